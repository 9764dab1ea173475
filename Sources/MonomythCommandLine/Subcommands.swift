import Foundation
import Monomyth
import MonomythControlHTTP

/// The subcommands of a ``MonomythCommand``.
enum Subcommand: String, CaseIterable {
    case local, master, worker, run, control, graph, plan

    var abstract: String {
        switch self {
        case .local: "Run the whole pipeline in this process (the default)."
        case .master: "Serve as the master of a cluster until SIGINT or SIGTERM."
        case .worker: "Run nodes as a master says until it shuts this worker down, or SIGINT or SIGTERM."
        case .run: "Deploy the pipeline through a running master and wait until its job has completed."
        case .control: "Serve the REST control API, Prometheus metrics and a dashboard for a running master."
        case .graph: "Print the pipeline graph."
        case .plan: "Print the MMOP commands that start the pipeline on N workers, without starting anything."
        }
    }

    var details: String {
        switch self {
        case .local:
            "A master, a worker and the nodes run in this process, on an in-memory stream unless --amqp names a RabbitMQ broker."
        case .master:
            "Workers and 'run' connect to ENDPOINT. Give the master the same pipeline options as the workers."
        case .worker:
            "Data moves between processes only through RabbitMQ, so a worker needs --amqp. The worker builds the\nnodes from its own pipeline options: give every worker the same ones."
        case .run:
            "Waits for --workers workers, starts the node instances they are missing (consumers first), and follows\nthe job until every node type has completed. Exits 1 if a node fails."
        case .control:
            "Serves HTTP on --http until SIGINT or SIGTERM: GET / (dashboard), /ping, /recipe-info, /worker-info,\n/pipeline, /node-metrics, /metrics; POST /start-node/TYPE, /stop-worker/ID."
        case .graph, .plan: ""
        }
    }

    var options: [CommandOption] {
        switch self {
        case .local: [.amqp]
        case .master:
            [
                CommandOption("bind", value: "ENDPOINT", default: "tcp://*:5555", help: "where to listen"),
                CommandOption("http", value: "HOST:PORT", help: "also serve the REST control API there"),
            ]
        case .worker: [.master, .amqp]
        case .run:
            [
                .master, .instances,
                CommandOption("workers", value: "N", default: "1", help: "wait for N workers before deploying"),
                CommandOption("timeout", value: "SECONDS", default: "60", help: "the longest to wait for them"),
                .flag("stop-workers", help: "shut every worker down once the job has completed"),
                CommandOption("amqp", value: "URL", environment: "MONOMYTH_AMQP_URL", help: "the workers' RabbitMQ broker, for the program's preparation"),
            ]
        case .control:
            [.master, CommandOption("http", value: "HOST:PORT", default: "127.0.0.1:8080", help: "where to serve HTTP")]
        case .graph:
            [CommandOption("format", value: "FORMAT", default: "dot", help: "dot (Graphviz), mermaid or json")]
        case .plan:
            [CommandOption("workers", value: "N", default: "1", help: "plan for N workers, worker-1 … worker-N"), .instances]
        }
    }

    func run(_ command: MonomythCommand, _ options: ParsedOptions) throws {
        switch self {
        case .local: try command.runLocal(options)
        case .master: try command.runMaster(options)
        case .worker: try command.runWorker(options)
        case .run: try command.runJob(options)
        case .control: try command.runControl(options)
        case .graph: try command.printGraph(options)
        case .plan: try command.printPlan(options)
        }
    }
}

extension CommandOption {
    static let amqp = CommandOption(
        "amqp", value: "URL", environment: "MONOMYTH_AMQP_URL", help: "the RabbitMQ broker data moves through")
    static let master = CommandOption(
        "master", value: "ENDPOINT", default: "tcp://127.0.0.1:5555", environment: "MONOMYTH_MASTER",
        help: "the master's endpoint")
    static let instances = CommandOption(
        "instances", value: "NODE=N", repeatable: true,
        help: "run N instances of node NODE instead of the pipeline's count; NODE=N,NODE=N for several")
}

/// Why a subcommand could not do its work: exit status 1.
enum CommandFailure: Error, CustomStringConvertible {
    case cannotServe(endpoint: String, reason: String)
    case differentPipeline(master: String, theirs: [String], ours: [String])
    case interrupted

    var description: String {
        switch self {
        case .cannotServe(let endpoint, let reason): "cannot serve on \(endpoint): \(reason)"
        case .differentPipeline(let master, let theirs, let ours):
            "the master at \(master) runs node types \(theirs.joined(separator: ", ")), this pipeline has \(ours.joined(separator: ", ")): start both from the same program and options"
        case .interrupted: "interrupted before the job completed; its nodes go on running on the workers"
        }
    }
}

extension MonomythCommand {
    func runLocal(_ options: ParsedOptions) throws {
        let stream: any DataStream = try amqpStream(options) ?? InMemoryDataStream()
        let run = try LocalRun(try pipeline(options), stream: stream)
        let job = JobContext(options: options, graph: run.graph, stream: stream)
        try hooks.prepare(job)
        let signals = SignalWatcher(origin: name)
        signals.whenSignalled { run.stop() }
        try run.start()
        try hooks.finish(job, try run.wait())
    }

    func runMaster(_ options: ParsedOptions) throws {
        let graph = try pipeline(options).graph()
        let endpoint = try options.required("bind")
        let signals = SignalWatcher(origin: "master")
        let context = try ZMQContext()
        defer { context.terminate() }
        let master: Master
        do {
            master = try Master(graph: graph, endpoint: endpoint, context: context)
        } catch {
            throw CommandFailure.cannotServe(endpoint: endpoint, reason: "\(error)")
        }
        let http = try options.value("http").map { address throws in
            try serveHTTP(graph: graph, master: master.endpoint.replacingOccurrences(of: "0.0.0.0", with: "127.0.0.1"), address: address, options, context)
        }
        signals.wait()
        http?.stop()
        master.stop()
    }

    func runControl(_ options: ParsedOptions) throws {
        let graph = try pipeline(options).graph()
        let signals = SignalWatcher(origin: "control")
        let context = try ZMQContext()
        defer { context.terminate() }
        let server = try serveHTTP(graph: graph, master: try options.required("master"), address: try options.required("http"), options, context)
        signals.wait()
        server.stop()
    }

    /// A ``ControlHTTPServer`` for `master` on `address` (`--http`).
    private func serveHTTP(
        graph: PipelineGraph, master: String, address text: String, _ options: ParsedOptions, _ context: ZMQContext
    ) throws -> ControlHTTPServer {
        guard let address = HTTPAddress(parsing: text) else {
            throw UsageError.invalidValue(source: "--http", reason: "'\(text)' is not HOST:PORT with an IPv4 host")
        }
        do {
            let server = try ControlHTTPServer(graph: graph, master: master, context: context, address: address)
            Log.info("serving HTTP on http://\(server.address)/", from: "control")
            return server
        } catch {
            throw CommandFailure.cannotServe(endpoint: text, reason: "\(error)")
        }
    }

    func runWorker(_ options: ParsedOptions) throws {
        guard let stream = try amqpStream(options) else {
            throw UsageError.missing(option: "amqp", environment: "MONOMYTH_AMQP_URL")
        }
        let pipeline = try pipeline(options)
        _ = try pipeline.graph()
        let signals = SignalWatcher(origin: name)
        let context = try ZMQContext()
        defer { context.terminate() }
        let worker = try Worker(pipeline: pipeline, stream: stream, master: try options.required("master"), context: context)
        while !worker.join(timeout: .milliseconds(100)) {
            if signals.isSignalled { worker.stop() }
        }
    }

    func runJob(_ options: ParsedOptions) throws {
        let graph = try pipeline(options).graph()
        let instances = try instanceCounts(options, graph)
        let endpoint = try options.required("master")
        let workers = try options.integer("workers")
        let timeout = try options.integer("timeout")
        let stream = try amqpStream(options)
        let signals = SignalWatcher(origin: name)
        let context = try ZMQContext()
        defer { context.terminate() }
        let client = try ControlClient(master: endpoint, context: context)
        defer { client.close() }
        let theirs = try client.recipeInfo().map(\.type)
        let ours = graph.recipes.map(\.type)
        guard theirs == ours else { throw CommandFailure.differentPipeline(master: endpoint, theirs: theirs, ours: ours) }
        let driver = JobDriver(client: client, graph: graph)
        Log.info("waiting for \(workers) worker\(workers == 1 ? "" : "s") at \(endpoint)", from: name)
        try driver.awaitWorkers(workers, timeout: .seconds(timeout))
        let job = JobContext(options: options, graph: graph, stream: stream)
        try hooks.prepare(job)
        for start in try driver.deploy(instances: instances) {
            Log.info("requested \(start.recipe.type); the plan places it on \(start.worker)", from: name)
        }
        while try !driver.isComplete() {
            if signals.wait(timeout: .milliseconds(50)) { throw CommandFailure.interrupted }
        }
        Log.info("the job has completed", from: name)
        if options.isSet("stop-workers") { try driver.stopWorkers() }
        try hooks.finish(job, nil)
    }

    func printGraph(_ options: ParsedOptions) throws {
        let graph = try pipeline(options).graph()
        switch try options.required("format") {
        case "dot": print(graph.dot, terminator: "")
        case "mermaid": print(graph.mermaid, terminator: "")
        case "json": print(try graph.json())
        case let other:
            throw UsageError.invalidValue(source: "--format", reason: "'\(other)' is not dot, mermaid or json")
        }
    }

    func printPlan(_ options: ParsedOptions) throws {
        let graph = try pipeline(options).graph()
        let instances = try instanceCounts(options, graph)
        let workers = (1...(try options.integer("workers"))).map { WorkerLoad(id: "worker-\($0)") }
        for start in try Planner.plan(graph, instances: instances, workers: workers) { print(start.line) }
    }

    /// `--instances NODE=N,…` as counts by node type.
    private func instanceCounts(_ options: ParsedOptions, _ graph: PipelineGraph) throws(UsageError) -> [String: Int] {
        var counts: [String: Int] = [:]
        for pair in options.values("instances").flatMap({ $0.split(separator: ",") }) {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let count = Int(parts[1]), count >= 1 else {
                throw .invalidValue(source: "--instances", reason: "'\(pair)' is not NODE=N with N a whole number ≥ 1")
            }
            let type = parts[0].uppercased()
            guard graph.recipe(type: type) != nil else {
                let names = graph.recipes.map { $0.type.lowercased() }.joined(separator: ", ")
                throw .invalidValue(source: "--instances", reason: "the pipeline has no node '\(parts[0])'; its nodes are \(names)")
            }
            counts[type] = count
        }
        return counts
    }

    /// The RabbitMQ stream named by `--amqp` or `MONOMYTH_AMQP_URL`, if any.
    private func amqpStream(_ options: ParsedOptions) throws(UsageError) -> RabbitMQDataStream? {
        guard let text = options.value("amqp") else { return nil }
        do {
            return RabbitMQDataStream(url: try AMQPURL(parsing: text))
        } catch {
            throw .invalidValue(source: options.source(of: "amqp"), reason: error.description)
        }
    }
}
