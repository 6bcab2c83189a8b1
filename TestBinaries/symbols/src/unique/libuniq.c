/* libuniq.so: uobj is an STB_GNU_UNIQUE object (from assembler). */
__asm__(".globl uobj\n.type uobj, @gnu_unique_object\n.size uobj, 4\n"
        ".data\n.balign 4\nuobj: .long 1\n.text");
