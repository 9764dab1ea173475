import CZeroMQ
import Foundation
import Monomyth

/// The master over loopback TCP, driven by raw DEALER peers: START-NODE
/// round trips, placing many nodes, and serving heartbeating workers. The
/// baseline is a bare ROUTER that answers the same frames without any state.
func orchestration(_ options: BenchmarkOptions) throws -> [BenchmarkRow] {
    let context = try ZMQContext()
    defer { context.terminate() }
    let graph = try Pipeline("bench-orchestration") {
        Source("produce", items: [""])
        Stage("pass") { (text: String) in text }
        Sink("consume") { (_: String) in }
    }.graph()

    var products: [Double] = [], baselines: [Double] = []
    for round in 0..<max(1, options.rounds) {
        let trips = options.roundTrips
        let product = { products += try roundTrips(trips, server: .master(graph), context: context) }
        let baseline = { baselines += try roundTrips(trips, server: .bare, context: context) }
        if round.isMultiple(of: 2) { try product(); try baseline() } else { try baseline(); try product() }
    }
    let p50 = percentile(products, 50), p99 = percentile(products, 99)

    var placements: [Double] = []
    for _ in 0..<max(1, options.rounds) {
        placements.append(try placement(options.placedNodes, workers: options.placementWorkers, graph: graph, context: context))
    }
    let placed = median(placements)

    var resident: [Double] = []
    let cpu = try alternating(
        rounds: options.rounds,
        product: {
            let load = try heartbeats(options, server: .master(graph), context: context)
            resident.append(load.resident)
            return load.cpu
        },
        baseline: { try heartbeats(options, server: .bare, context: context).cpu })

    let workers = options.heartbeatWorkers
    return [
        BenchmarkRow(
            figure: "START-NODE-REQUEST round trip, p50 (loopback TCP)", unit: "ms", product: p50,
            baseline: percentile(baselines, 50), target: "< 1 ms", met: p50 < 1),
        BenchmarkRow(
            figure: "START-NODE-REQUEST round trip, p99", unit: "ms", product: p99,
            baseline: percentile(baselines, 99), target: "—", met: nil),
        BenchmarkRow(
            figure: "place \(options.placedNodes) nodes over \(options.placementWorkers) workers", unit: "s",
            product: placed, baseline: nil, target: "< 2 s", met: placed < 2),
        BenchmarkRow(
            figure: "serving thread CPU, \(workers) workers heartbeating 1/s", unit: "%", product: cpu.product,
            baseline: cpu.baseline, target: "—", met: nil),
        BenchmarkRow(
            figure: "benchmark process RSS with master + \(workers) heartbeating peers", unit: "MiB",
            product: median(resident), baseline: nil, target: "—", met: nil),
    ]
}

/// What the peers talk to.
private enum Server {
    case master(PipelineGraph)
    /// A ROUTER that keeps no state but one worker: READY registers it, a
    /// START-NODE-REQUEST sends it START-NODE and the requester success, a
    /// HEARTBEAT or a PING is answered.
    case bare

    /// Serves on `tcp://127.0.0.1:*` during `body`, given the endpoint.
    func serve<T>(_ context: ZMQContext, _ body: (String) throws -> T) throws -> T {
        switch self {
        case .master(let graph):
            let master = try Master(
                graph: graph, endpoint: "tcp://127.0.0.1:*", context: context,
                liveness: Liveness(interval: .seconds(1), missedBeats: 60))
            defer { master.stop() }
            return try body(master.endpoint)
        case .bare:
            let endpoint = Guarded("")
            let service = try ServiceThread.start(name: "bare-router") { service in
                let socket = try ZMQSocket(context, .router)
                defer { socket.close() }
                try socket.bind("tcp://127.0.0.1:*")
                let resolved = try socket.lastEndpoint()
                endpoint.update { $0 = resolved }
                service.ready()
                var worker: [UInt8]?
                let recipe = MMOPJSON.encode(["type": "PASS"])
                while !service.isStopRequested {
                    guard let frames = try socket.receive(timeout: .milliseconds(100)), frames.count >= 3 else { continue }
                    switch String(decoding: frames[2], as: UTF8.self) {
                    case "READY": worker = worker ?? frames[0]
                    case "HEARTBEAT": try socket.send([frames[0], Array("MMOP/0".utf8), Array("HEARTBEAT".utf8)])
                    case "PING": try socket.send([frames[0], Array("MMOP/0".utf8), Array("PONG".utf8)])
                    case "START-NODE-REQUEST":
                        if let worker {
                            try socket.send([worker, Array("MMOP/0".utf8), Array("START-NODE".utf8), frames[3], recipe])
                        }
                        try socket.send([frames[0], Array("MMOP/0".utf8), Array("START-NODE-REQUEST-SUCCESS".utf8)])
                    default: break
                    }
                }
            }
            defer {
                service.requestStop()
                service.join()
            }
            return try body(endpoint.current)
        }
    }
}

/// `count` START-NODE-REQUEST round trips with one worker; milliseconds each.
private func roundTrips(_ count: Int, server: Server, context: ZMQContext) throws -> [Double] {
    try server.serve(context) { endpoint in
        let workers = try registeredWorkers(1, at: endpoint, context: context)
        let client = try peer(context, id: "bench-client", endpoint: endpoint)
        defer { client.close() }
        var times: [Double] = []
        for _ in 0..<count {
            let start = ContinuousClock.now
            try client.send(frames("START-NODE-REQUEST", "PASS"))
            let reply = try answer(on: client)
            times.append((ContinuousClock.now - start).seconds * 1000)
            guard reply == "START-NODE-REQUEST-SUCCESS" else { throw BenchmarkError.failed("START-NODE-REQUEST: \(reply)") }
            while try workers[0].receive(timeout: .zero) != nil {}
        }
        for worker in workers { worker.close() }
        return times
    }
}

/// Seconds for the master to place `count` nodes, one request after the other.
private func placement(_ count: Int, workers: Int, graph: PipelineGraph, context: ZMQContext) throws -> Double {
    try Server.master(graph).serve(context) { endpoint in
        let peers = try registeredWorkers(workers, at: endpoint, context: context)
        defer { for peer in peers { peer.close() } }
        let client = try peer(context, id: "bench-client", endpoint: endpoint)
        defer { client.close() }
        let start = ContinuousClock.now
        for _ in 0..<count {
            try client.send(frames("START-NODE-REQUEST", "PASS"))
            let reply = try answer(on: client)
            guard reply == "START-NODE-REQUEST-SUCCESS" else { throw BenchmarkError.failed("START-NODE-REQUEST: \(reply)") }
        }
        return (ContinuousClock.now - start).seconds
    }
}

/// Workers that heartbeat every second for the run's duration: the CPU
/// share of the threads the server started (the master's, or the bare
/// ROUTER's), and this process's resident memory at the end.
private func heartbeats(
    _ options: BenchmarkOptions, server: Server, context: ZMQContext
) throws -> (cpu: Double, resident: Double) {
    let threadsBefore = try threadIDs()
    var peers: [ZMQSocket] = []
    // The peers close after the server stopped, which would otherwise take
    // them for unreachable workers.
    defer { for peer in peers { peer.close() } }
    return try server.serve(context) { endpoint in
        let serving = try threadIDs().subtracting(threadsBefore)
        peers = try registeredWorkers(options.heartbeatWorkers, at: endpoint, context: context)
        let cpuBefore = threadCPUSeconds(serving)
        let start = ContinuousClock.now, end = start + options.heartbeatDuration
        var nextBeat = start
        while case let now = ContinuousClock.now, now < end {
            if now >= nextBeat {
                for peer in peers { try peer.send(frames("HEARTBEAT")) }
                nextBeat = now + .seconds(1)
            }
            for (peer, ready) in zip(peers, try ZMQSocket.poll(peers, timeout: min(nextBeat, end) - now)) where ready {
                while try peer.receive(timeout: .zero) != nil {}
            }
        }
        let cpu = threadCPUSeconds(serving) - cpuBefore
        return (cpu / (ContinuousClock.now - start).seconds * 100, residentMiB())
    }
}

// MARK: Raw peers

private func frames(_ parts: String...) -> [[UInt8]] { [Array("MMOP/0".utf8)] + parts.map { Array($0.utf8) } }

private func peer(_ context: ZMQContext, id: String, endpoint: String) throws -> ZMQSocket {
    let socket = try ZMQSocket(context, .dealer)
    try socket.setRoutingID(id)
    try socket.connect(endpoint)
    return socket
}

/// The command of the next message on `socket` other than a HEARTBEAT.
private func answer(on socket: ZMQSocket) throws -> String {
    while true {
        guard let reply = try socket.receive(timeout: .seconds(10)), reply.count >= 2 else {
            throw BenchmarkError.failed("no answer within 10 s")
        }
        let command = String(decoding: reply[1], as: UTF8.self)
        if command != "HEARTBEAT" { return command }
    }
}

/// `count` DEALERs registered with the server: each sends READY then PING
/// and waits for PONG, which travels on the same connection after READY.
private func registeredWorkers(_ count: Int, at endpoint: String, context: ZMQContext) throws -> [ZMQSocket] {
    let workers = try (0..<count).map { try peer(context, id: "bench-worker-\($0)", endpoint: endpoint) }
    for worker in workers {
        try worker.send(frames("READY"))
        try worker.send(frames("PING"))
    }
    for worker in workers {
        guard try answer(on: worker) == "PONG" else { throw BenchmarkError.failed("a worker was not answered PONG") }
    }
    return workers
}

// MARK: Process figures

private func threadIDs() throws -> Set<String> {
    Set(try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task"))
}

/// CPU seconds these threads of this process ran (`schedstat`, in nanoseconds).
private func threadCPUSeconds(_ threads: Set<String>) -> Double {
    threads.reduce(0.0) { sum, thread in
        let schedstat = (try? String(contentsOfFile: "/proc/self/task/\(thread)/schedstat", encoding: .utf8)) ?? ""
        return sum + (Double(schedstat.split(separator: " ").first ?? "") ?? 0) / 1e9
    }
}

/// This process's resident memory (`VmRSS`), in MiB.
private func residentMiB() -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
}
