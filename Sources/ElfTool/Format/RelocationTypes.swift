/// glibc's relocation type classes (`elf_machine_type_class` in each sysdeps/<arch>/dl-machine.h):
/// a PLT-class reference may not bind to an executable's PLT-address symbol (an undefined symbol
/// with a value), and a COPY relocation's lookup skips the executable itself.
enum RelocationClass: Hashable, Sendable {
  case other, plt, copy
}

/// The relocation types of one machine that glibc puts in the PLT and COPY classes
/// (TestBinaries/abi/RELOCATIONS.md has the table with its sources). Machines without rules here
/// are not checked (the checker says so) rather than guessed at.
struct RelocationRules: Sendable {
  /// The class of every type up to the largest one named (one array index per relocation).
  private let classes: [RelocationClass]
  /// The class of the types past the table: .plt on ppc64 ELFv1, .other elsewhere.
  private let otherwise: RelocationClass

  /// Rules from the PLT-class and COPY-class types; `everythingIsPLT`: ppc64 ELFv1, where glibc
  /// puts every type in the PLT class (and COPY in both).
  init(plt: [UInt32], copy: [UInt32], everythingIsPLT: Bool = false) {
    otherwise = everythingIsPLT ? .plt : .other
    var classes = [RelocationClass](repeating: otherwise, count: Int((plt + copy).max() ?? 0) + 1)
    for type in plt { classes[Int(type)] = .plt }
    for type in copy { classes[Int(type)] = .copy }
    self.classes = classes
  }

  @inline(__always)
  func classify(_ type: UInt32) -> RelocationClass {
    type < classes.count ? classes[Int(type)] : otherwise
  }

  /// The rules for a machine, nil when elfdyn has none.
  static func forMachine(_ identity: ElfIdentity) -> RelocationRules? {
    switch identity.machine {
    case .x86_64:
      // R_X86_64_JUMP_SLOT, DTPMOD64, DTPOFF64, TPOFF64, TLSDESC; R_X86_64_COPY.
      return RelocationRules(plt: [7, 16, 17, 18, 36], copy: [5])
    case .i386:
      // R_386_JMP_SLOT, TLS_TPOFF, TLS_DTPMOD32, TLS_DTPOFF32, TLS_TPOFF32, TLS_DESC; R_386_COPY.
      return RelocationRules(plt: [7, 14, 35, 36, 37, 41], copy: [5])
    case .aarch64:
      // R_AARCH64_JUMP_SLOT, TLS_DTPMOD, TLS_DTPREL, TLS_TPREL, TLSDESC; R_AARCH64_COPY.
      return RelocationRules(plt: [1026, 1028, 1029, 1030, 1031], copy: [1024])
    case .arm:
      // R_ARM_JUMP_SLOT, TLS_DTPMOD32, TLS_DTPOFF32, TLS_TPOFF32, TLS_DESC; R_ARM_COPY.
      return RelocationRules(plt: [22, 17, 18, 19, 13], copy: [20])
    case .ppc64:
      let abi = identity.flags & MachineFlags.ppc64ABIMask
      let elfv1 = abi == 1 || (abi == 0 && identity.byteOrder == .big)
      if elfv1 { return RelocationRules(plt: [], copy: [19], everythingIsPLT: true) }
      // ELFv2: R_PPC64_JMP_SLOT, ADDR24 and every TLS type (67...106, 112...115); R_PPC64_COPY.
      return RelocationRules(plt: [21, 2] + Array(67...106) + Array(112...115), copy: [19])
    case .s390:
      // R_390_JMP_SLOT, TLS_DTPMOD, TLS_DTPOFF, TLS_TPOFF; R_390_COPY (31- and 64-bit alike).
      return RelocationRules(plt: [11, 54, 55, 56], copy: [9])
    case .riscv:
      // R_RISCV_JUMP_SLOT and the TLS DTPMOD, DTPREL and TPREL of the class; R_RISCV_COPY.
      let tls: [UInt32] = identity.elfClass == .elf64 ? [7, 9, 11] : [6, 8, 10]
      return RelocationRules(plt: [5] + tls, copy: [4])
    default:
      return nil
    }
  }
}
