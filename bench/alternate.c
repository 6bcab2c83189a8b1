// alternate RUNS NAME_A "COMMAND A" NAME_B "COMMAND B" -- runs the two commands in turn, A, B, A,
// B, ..., RUNS times each (after 5 unmeasured pairs), with standard output and error sent to
// /dev/null, and prints each one's median wall time and the ratio of the medians B / A.
//
// Why: hyperfine measures all runs of one command, then all runs of the next. On a virtual
// machine whose speed drifts over seconds (other guests), the drift goes into the ratio. Runs in
// turn see the same machine, so their ratio is steadier. The commands are split on spaces (the
// benchmark's paths have none) and started with posix_spawnp, without a shell.
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static char **split(const char *command) {
  char *copy = strdup(command);
  size_t capacity = 16, count = 0;
  char **words = malloc(capacity * sizeof *words);
  if (!copy || !words) exit(2);
  for (char *word = strtok(copy, " "); word; word = strtok(NULL, " ")) {
    if (count + 1 >= capacity) {
      capacity *= 2;
      words = realloc(words, capacity * sizeof *words);
      if (!words) exit(2);
    }
    words[count++] = word;
  }
  words[count] = NULL;
  if (count == 0) {
    fprintf(stderr, "alternate: empty command\n");
    exit(2);
  }
  return words;
}

// One run of `words`; its wall time in milliseconds. A command that cannot start ends the program;
// its exit status is not judged (check-undefined exits 1 on purpose in some sections).
static double run(char **words, posix_spawn_file_actions_t *actions) {
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  pid_t pid;
  int error = posix_spawnp(&pid, words[0], actions, NULL, words, environ);
  if (error != 0) {
    fprintf(stderr, "alternate: cannot run %s: %s\n", words[0], strerror(error));
    exit(2);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  return (double)(end.tv_sec - start.tv_sec) * 1e3 + (double)(end.tv_nsec - start.tv_nsec) / 1e6;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *values, int count) {
  qsort(values, (size_t)count, sizeof *values, compare);
  return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
}

int main(int argc, char **argv) {
  if (argc != 6 || atoi(argv[1]) < 1) {
    fprintf(stderr, "usage: alternate RUNS NAME_A \"COMMAND A\" NAME_B \"COMMAND B\"\n");
    return 2;
  }
  int runs = atoi(argv[1]);
  char **commands[2] = {split(argv[3]), split(argv[5])};
  const char *names[2] = {argv[2], argv[4]};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  for (int i = 0; i < 5; i++)
    for (int k = 0; k < 2; k++) run(commands[k], &actions);
  double *times[2] = {malloc((size_t)runs * sizeof(double)), malloc((size_t)runs * sizeof(double))};
  if (!times[0] || !times[1]) return 2;
  for (int i = 0; i < runs; i++)
    for (int k = 0; k < 2; k++) times[k][i] = run(commands[k], &actions);
  double medians[2] = {median(times[0], runs), median(times[1], runs)};
  printf("  in turn, %d runs each: %s %.2f ms, %s %.2f ms: ratio %.3f\n", runs, names[0], medians[0], names[1],
         medians[1], medians[0] / medians[1]);
  return 0;
}
