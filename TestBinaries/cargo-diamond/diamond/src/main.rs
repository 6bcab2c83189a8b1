//! Sets the level through libplugin_a.so, reads it through libplugin_b.so, and says which file
//! holds the `logcore::LEVEL` each of them uses (from /proc/self/maps).
extern "C" {
    fn plugin_b_level() -> usize;
    fn plugin_b_level_address() -> usize;
}

fn file_holding(address: usize) -> String {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    for line in maps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let Some((start, end)) = fields.first().and_then(|r| r.split_once('-')) else { continue };
        let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else {
            continue;
        };
        if (start..end).contains(&address) {
            return fields.get(5).map(|s| s.to_string()).unwrap_or_default();
        }
    }
    String::from("?")
}

fn main() {
    plugin_a::configure(7);
    let seen = unsafe { plugin_b_level() };
    println!("level set through plugin_a: 7, seen through plugin_b: {seen}");
    println!("plugin_a uses LEVEL in {}", file_holding(plugin_a::level_address()));
    println!("plugin_b uses LEVEL in {}", file_holding(unsafe { plugin_b_level_address() }));
}
