// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "StepFlowBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "StepFlow", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "StepFlowBenchmarks",
            dependencies: [
                .product(name: "StepFlow", package: "StepFlow"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/StepFlowBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
