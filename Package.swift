// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Monomyth",
    products: [
        .library(name: "Monomyth", targets: ["Monomyth"]),
        .library(name: "MonomythTesting", targets: ["MonomythTesting"]),
        .executable(name: "wordcount", targets: ["wordcount"]),
    ],
    targets: [
        // The pure core: DSL, pipeline graph, payload coding, completion rules.
        // No C library, no socket, no thread.
        .target(name: "MonomythCore"),
        // Node threads, data streams and the embedded runner.
        .target(name: "MonomythRuntime", dependencies: ["MonomythCore"]),
        // The RabbitMQ data stream, through rabbitmq-c.
        .target(name: "MonomythRabbitMQ", dependencies: ["MonomythRuntime", "CRabbitMQ", "CRabbitMQShim"]),
        // What users import: re-exports the core, the runtime and the RabbitMQ stream.
        .target(name: "Monomyth", dependencies: ["MonomythCore", "MonomythRuntime", "MonomythRabbitMQ"]),
        // What users import from their test targets: run pipelines in-process.
        .target(name: "MonomythTesting", dependencies: ["Monomyth"]),

        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CRabbitMQ", path: "Sources/CRabbitMQ", pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]),
        // The one rabbitmq-c call Swift cannot make: the variadic amqp_login.
        .target(name: "CRabbitMQShim", dependencies: ["CRabbitMQ"], path: "Sources/CRabbitMQShim"),

        // Samples/WordCount: the main job.
        .target(
            name: "WordCountPipeline", dependencies: ["Monomyth", "CSQLite"],
            path: "Samples/WordCount/Sources/WordCountPipeline",
            resources: [.copy("moby-dick.txt")]),
        .executableTarget(
            name: "wordcount", dependencies: ["WordCountPipeline"],
            path: "Samples/WordCount/Sources/wordcount"),

        .testTarget(name: "MonomythCoreTests", dependencies: ["MonomythCore"]),
        .testTarget(name: "MonomythRuntimeTests", dependencies: ["Monomyth", "MonomythTesting"]),
        .testTarget(name: "MonomythRabbitMQTests", dependencies: ["Monomyth", "MonomythTesting"]),
        .testTarget(name: "WordCountTests", dependencies: ["WordCountPipeline", "MonomythTesting"]),
    ]
)
