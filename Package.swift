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
        .library(name: "StepFlowRuntime", targets: ["StepFlowRuntime"]),
        .library(name: "StepFlowTesting", targets: ["StepFlowTesting"]),
        .library(name: "StepFlowSQLite", targets: ["StepFlowSQLite"]),
        .library(name: "StepFlowPostgres", targets: ["StepFlowPostgres"]),
        .library(name: "StepFlowObservability", targets: ["StepFlowObservability"]),
        .library(name: "StepFlowServer", targets: ["StepFlowServer"]),
        .executable(name: "stepflow", targets: ["stepflow"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // The core: DSL, compiled transition table, FlowState, apply, introspection, diagrams.
        // It has no package dependencies, by design.
        .target(name: "StepFlow", swiftSettings: swiftSettings),
        // Durable processes: records, the store protocol, the in-memory store, the worker, the client.
        .target(
            name: "StepFlowRuntime",
            dependencies: [
                "StepFlow",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        // Prometheus metrics, /healthz and /readyz for a worker or a Hummingbird app: the one place that knows
        // swift-prometheus and Hummingbird's routes for them.
        .target(
            name: "StepFlowObservability",
            dependencies: [
                "StepFlowRuntime",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Helpers for tests of StepFlow and of users' own flows: a manual clock, the store conformance suite.
        .target(
            name: "StepFlowTesting",
            dependencies: [
                "StepFlow", "StepFlowRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        // The embedded default store: one SQLite file in WAL mode.
        .target(
            name: "StepFlowSQLite",
            dependencies: [
                "StepFlowRuntime", .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, which GRDB links, for binding a save's values without copies.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                "CStepFlowSQLite",
            ],
            swiftSettings: swiftSettings
        ),
        // The one call of SQLite's variadic `sqlite3_config` the SQLite store makes, which Swift cannot call itself.
        .systemLibrary(name: "CStepFlowSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // The store for many workers on many machines: PostgreSQL, through PostgresNIO.
        .target(
            name: "StepFlowPostgres",
            dependencies: [
                "StepFlowRuntime",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // `stepflow serve`: the JSON API and the live web dashboard over a StepFlowClient, on Hummingbird.
        .target(
            name: "StepFlowServer",
            dependencies: [
                "StepFlow", "StepFlowRuntime",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The continuous-deployment pipeline of go-stepflow's example, with simulated external systems (used by the CLI).
        .target(name: "DeployPipeline", dependencies: ["StepFlow", "StepFlowRuntime"], swiftSettings: swiftSettings),
        // The CLI: thin commands over the library.
        .executableTarget(
            name: "stepflow",
            dependencies: [
                "StepFlow", "StepFlowRuntime", "StepFlowSQLite", "StepFlowPostgres", "DeployPipeline", "StepFlowObservability",
                "StepFlowServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test fixtures (under Tests/Fixtures, not products). The crash tests' flows, declared once for the worker
        // processes below and the tests that check what they saved.
        .target(
            name: "CrashFlows", dependencies: ["StepFlow", "StepFlowRuntime"], path: "Tests/Fixtures/CrashFlows",
            swiftSettings: swiftSettings
        ),
        // The rewind and migration scenarios of the deployment pipeline, run on every store by the stores' tests.
        .target(
            name: "MoveScenarios",
            dependencies: ["StepFlow", "StepFlowRuntime", "DeployPipeline", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Fixtures/MoveScenarios",
            swiftSettings: swiftSettings
        ),
        // Child processes for the tests (a crash worker, the stepflow binary): start, signal, wait, read the output.
        .target(name: "ChildProcesses", path: "Tests/Fixtures/ChildProcesses", swiftSettings: swiftSettings),
        // The worker process the crash tests SIGKILL and restart (not a product); with `postgres` as its first
        // argument, a worker on a PostgreSQL schema for the multi-process and server-restart tests.
        .executableTarget(
            name: "stepflow-crash-worker",
            dependencies: [
                "StepFlow", "StepFlowRuntime", "StepFlowSQLite", "StepFlowPostgres", "CrashFlows",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/Fixtures/CrashWorker",
            swiftSettings: swiftSettings
        ),
        // The worker process of the crash test of timers, signals, parallel branches and compensations.
        .executableTarget(
            name: "stepflow-saga-crash-worker",
            dependencies: ["StepFlow", "StepFlowRuntime", "StepFlowSQLite", "CrashFlows", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Fixtures/SagaCrashWorker",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "StepFlowTests", dependencies: ["StepFlow"], swiftSettings: swiftSettings),
        .testTarget(
            name: "StepFlowRuntimeTests",
            dependencies: [
                "StepFlowRuntime", "StepFlowTesting", "DeployPipeline", "MoveScenarios",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StepFlowObservabilityTests",
            dependencies: [
                "StepFlowObservability", "StepFlowRuntime", "StepFlowTesting", "StepFlowSQLite",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StepFlowSQLiteTests",
            dependencies: [
                "StepFlowSQLite", "StepFlowRuntime", "StepFlowTesting", "CrashFlows", "ChildProcesses", "stepflow-crash-worker", "stepflow-saga-crash-worker",
                "MoveScenarios",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StepFlowPostgresTests",
            dependencies: [
                "StepFlow", "StepFlowPostgres", "StepFlowRuntime", "StepFlowTesting", "ChildProcesses", "stepflow-crash-worker", "stepflow",
                "MoveScenarios",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StepFlowServerTests",
            dependencies: [
                "StepFlowServer", "StepFlow", "StepFlowRuntime", "StepFlowTesting", "StepFlowSQLite",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // The built `stepflow` binary as a user meets it: errors, exit statuses, logs, the demo's ending.
        .testTarget(
            name: "StepFlowCLITests", dependencies: ["stepflow", "ChildProcesses", "StepFlowSQLite", "StepFlowRuntime"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
