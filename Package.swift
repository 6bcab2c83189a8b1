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
    .target(
      name: "ElfTool",
      dependencies: ["CLibElf"]
    ),
    .executableTarget(
      name: "elfdyn",
      dependencies: [
        "ElfTool",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .target(name: "CFuzzDriver"),
    .executableTarget(
      name: "ElfFuzz",
      dependencies: ["ElfTool", "CFuzzDriver"]
    ),
    .testTarget(
      name: "ElfToolTests",
      dependencies: ["ElfTool"],
      exclude: ["Fixtures"]
    ),
  ]
)
