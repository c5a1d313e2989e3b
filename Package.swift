// swift-tools-version: 6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "StepFlow",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "StepFlow", targets: ["StepFlow"]),
    ],
    targets: [
        // The core: DSL, compiled transition table, FlowState, apply, introspection, diagrams.
        // It has no package dependencies, by design.
        .target(name: "StepFlow", swiftSettings: swiftSettings),
        .testTarget(name: "StepFlowTests", dependencies: ["StepFlow"], swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)
