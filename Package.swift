// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "elfdyn",
  products: [
    .executable(name: "elfdyn", targets: ["elfdyn"]),
    .library(name: "ElfTool", targets: ["ElfTool"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    .systemLibrary(
      name: "CLibElf",
      pkgConfig: "libelf",
      providers: [.apt(["libelf-dev", "pkg-config"])]
    ),
    // The C helpers that are not libelf (cpuid, copy_file_range, the C++ demangler).
    .target(
      name: "CSystem",
      linkerSettings: [.linkedLibrary("supc++"), .linkedLibrary("stdc++")]
    ),
    .target(
      name: "ElfTool",
      dependencies: ["CLibElf", "CSystem"]
    ),
    // The output layer: sentences, colour, text, JSON and DOT (the fuzz target renders too).
    .target(
      name: "ElfdynOutput",
      dependencies: ["ElfTool"]
    ),
    .executableTarget(
      name: "elfdyn",
      dependencies: [
        "ElfTool",
        "ElfdynOutput",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .target(name: "CFuzzDriver"),
    .executableTarget(
      name: "ElfFuzz",
      dependencies: ["ElfTool", "ElfdynOutput", "CFuzzDriver"]
    ),
    .testTarget(
      name: "ElfToolTests",
      dependencies: ["ElfTool"],
      exclude: ["Fixtures"]
    ),
  ]
)
