// swift-tools-version:6.0
import PackageDescription
let package = Package(
  name: "sysbench",
  dependencies: [.package(url: "https://github.com/apple/swift-system", from: "1.4.0")],
  targets: [
    .executableTarget(name: "WithGlibc"),
    .executableTarget(name: "WithSystem", dependencies: [.product(name: "SystemPackage", package: "swift-system")]),
  ])
