// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Monomyth",
    products: [
        .library(name: "Monomyth", targets: ["Monomyth"]),
        .library(name: "MonomythTesting", targets: ["MonomythTesting"]),
        .library(name: "MonomythCommandLine", targets: ["MonomythCommandLine"]),
        .executable(name: "monomyth", targets: ["MonomythClient"]),
        .executable(name: "wordcount", targets: ["wordcount"]),
        .executable(name: "monomyth-bench", targets: ["monomyth-bench"]),
    ],
    targets: [
        // The pure core: DSL, pipeline graph, payload coding, completion rules.
        // No C library, no socket, no thread.
        .target(name: "MonomythCore"),
        // Node threads and data streams.
        .target(name: "MonomythRuntime", dependencies: ["MonomythCore"]),

        // The planner: which nodes to start, where and in what order (pure).
        .target(name: "MonomythPlanner", dependencies: ["MonomythCore", "MonomythMMOP"]),
        // MMOP, the orchestration protocol: messages and their frames (pure).
        .target(name: "MonomythMMOP", dependencies: ["MonomythCore"]),
        // The RabbitMQ data stream, through rabbitmq-c.
        .target(name: "MonomythRabbitMQ", dependencies: ["MonomythRuntime", "CRabbitMQ", "CRabbitMQShim"]),
        // A thin Swift layer over libzmq.
        .systemLibrary(
            name: "CZeroMQ", path: "Sources/CZeroMQ", pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]),
        .target(name: "MonomythZeroMQ", dependencies: ["CZeroMQ"]),
        // The master: recipes, cluster state, placement, completion cascade.
        .target(
            name: "MonomythMaster",
            dependencies: ["MonomythCore", "MonomythMMOP", "MonomythRuntime", "MonomythZeroMQ", "CZeroMQ"]),
        // The worker: starts and stops node threads as the master says.
        .target(
            name: "MonomythWorker",
            dependencies: ["MonomythCore", "MonomythMMOP", "MonomythRuntime", "MonomythZeroMQ", "CZeroMQ"]),
        // Control clients: requests to a master, and the job driver.
        .target(
            name: "MonomythControl", dependencies: ["MonomythCore", "MonomythMMOP", "MonomythPlanner", "MonomythZeroMQ"]),
        // The HTTP control server: REST API, Prometheus metrics, dashboard.
        .target(
            name: "MonomythControlHTTP",
            dependencies: [
                "MonomythCore", "MonomythMMOP", "MonomythRuntime", "MonomythControl", "MonomythZeroMQ", "CMicroHTTPD",
                "CMicroHTTPDShim",
            ]),
        .systemLibrary(
            name: "CMicroHTTPD", path: "Sources/CMicroHTTPD", pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]),
        // The libmicrohttpd calls Swift cannot make: the variadic start and info.
        .target(name: "CMicroHTTPDShim", dependencies: ["CMicroHTTPD"], path: "Sources/CMicroHTTPDShim"),
        // A master, workers and a driver in one process.
        .target(
            name: "MonomythEmbedded",
            dependencies: [
                "MonomythCore", "MonomythRuntime", "MonomythMaster", "MonomythWorker", "MonomythControl",
                "MonomythZeroMQ",
            ]),

        // What users import: re-exports everything above.
        .target(
            name: "Monomyth",
            dependencies: [
                "MonomythCore", "MonomythRuntime", "MonomythMMOP", "MonomythPlanner", "MonomythZeroMQ",
                "MonomythMaster", "MonomythWorker", "MonomythControl", "MonomythEmbedded", "MonomythRabbitMQ",
            ]),
        // A pipeline's executable: subcommands local, master, worker, run, graph, plan.
        .target(name: "MonomythCommandLine", dependencies: ["Monomyth", "MonomythControlHTTP"]),
        // The `monomyth` command-line client for any master.
        .executableTarget(name: "MonomythClient", dependencies: ["MonomythCommandLine"]),

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
            name: "wordcount", dependencies: ["WordCountPipeline", "MonomythCommandLine"],
            path: "Samples/WordCount/Sources/wordcount"),

        // Benchmarks: product figures against raw baselines, side by side.
        .target(
            name: "MonomythBenchmarks", dependencies: ["Monomyth", "WordCountPipeline", "CRabbitMQ", "CRabbitMQShim", "CZeroMQ"],
            path: "Benchmarks/Sources/MonomythBenchmarks"),
        .executableTarget(
            name: "monomyth-bench", dependencies: ["MonomythBenchmarks", "WordCountPipeline"],
            path: "Benchmarks/Sources/monomyth-bench"),

        .testTarget(name: "MonomythCoreTests", dependencies: ["MonomythCore"]),
        .testTarget(name: "MonomythPlannerTests", dependencies: ["MonomythPlanner"]),
        .testTarget(name: "MonomythCommandLineTests", dependencies: ["MonomythCommandLine"]),
        .testTarget(name: "MonomythRuntimeTests", dependencies: ["Monomyth", "MonomythTesting"]),
        .testTarget(name: "MonomythMMOPTests", dependencies: ["Monomyth", "CZeroMQ"]),
        .testTarget(name: "MonomythRabbitMQTests", dependencies: ["Monomyth", "MonomythTesting"]),
        .testTarget(name: "MonomythControlHTTPTests", dependencies: ["MonomythControlHTTP", "Monomyth"]),
        .testTarget(name: "WordCountTests", dependencies: ["WordCountPipeline", "MonomythTesting"]),
        .testTarget(name: "MonomythBenchmarksTests", dependencies: ["MonomythBenchmarks", "MonomythTesting"]),
    ]
)
