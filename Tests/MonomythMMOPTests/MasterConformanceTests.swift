import Foundation
import Monomyth
import Testing

/// Speaks raw frames to a running master over loopback TCP and checks the
/// exact frames that come back.
@Suite struct MasterConformanceTests {
    private func withMaster(_ body: (ZMQContext, Master) throws -> Void) throws {
        try withContext { context in
            let master = try Master(
                graph: try chainGraph(), endpoint: "tcp://127.0.0.1:*", context: context, liveness: patientLiveness)
            defer { master.stop() }
            try body(context, master)
        }
    }

    @Test func answersEveryControlRequest() throws {
        try withMaster { context, master in
            let client = try RawPeer(context, .dealer, id: "client-1", connect: master.endpoint)
            #expect(try client.ask(["MMOP/0", "PING"]) == ["MMOP/0", "PONG"])
            #expect(try client.ask(["MMOP/0", "START-NODE-REQUEST", "B"])
                == ["MMOP/0", "START-NODE-REQUEST-FAILURE", "no worker is connected", "503"])
            #expect(try client.ask(["MMOP/0", "WORKER-INFO"]) == ["MMOP/0", "JSON-INFO-RESPONSE", "[]"])

            let worker = try RawPeer(context, .dealer, id: "worker-1", connect: master.endpoint)
            try worker.send(["MMOP/0", "READY"])
            try client.awaitWorkers(1)
            #expect(try client.ask(["MMOP/0", "START-NODE-REQUEST", "NOPE"])
                == ["MMOP/0", "START-NODE-REQUEST-FAILURE", "unknown recipe type: NOPE", "400"])
            #expect(try client.ask(["MMOP/0", "START-NODE-REQUEST", "B"]) == ["MMOP/0", "START-NODE-REQUEST-SUCCESS"])

            let startNode = try #require(try worker.receive())
            #expect(startNode.count == 4)
            #expect(Array(startNode.prefix(3)) == ["MMOP/0", "START-NODE", "B"])
            let recipe = try MMOPJSON.decode(Recipe.self, from: Array(startNode[3].utf8))
            #expect(recipe == (try chainGraph()).recipe(type: "B"))

            let queued = try #require(try client.ask(["MMOP/0", "RECIPE-INFO"]))
            #expect(queued[1] == "JSON-INFO-RESPONSE")
            #expect(try json([RecipeInfo].self, queued[2]).first { $0.type == "B" }?.counts == .init(running: 0, queued: 1))
            try worker.send(["MMOP/0", "START-NODE-SUCCESS", "B"])
            _ = try client.awaitRecipeCounts { $0.count == 3 && $0[1].running == 1 }
            let running = try #require(try client.ask(["MMOP/0", "RECIPE-INFO"]))
            #expect(try json([RecipeInfo].self, running[2]).first { $0.type == "B" }?.counts == .init(running: 1, queued: 0))
            #expect(running[2].contains(#"{"counts":{"completed":0,"failed":0,"queued":0,"running":1},"type":"B"}"#))

            let workers = try #require(try client.ask(["MMOP/0", "WORKER-INFO"]))
            #expect(workers == ["MMOP/0", "JSON-INFO-RESPONSE", #"[{"nodes":[{"node_count":1,"recipe_name":"B"}],"worker_id":"worker-1"}]"#])

            #expect(try client.ask(["MMOP/0", "STOP-WORKER-REQUEST", "worker-9"])
                == ["MMOP/0", "STOP-WORKER-REQUEST-FAILURE", "unknown worker id: worker-9", "400"])
            #expect(try client.ask(["MMOP/0", "STOP-WORKER-REQUEST", "worker-1"]) == ["MMOP/0", "STOP-WORKER-REQUEST-SUCCESS"])
            #expect(try worker.receive() == ["MMOP/0", "SHUTDOWN"])
            #expect(try client.ask(["MMOP/0", "WORKER-INFO"]) == ["MMOP/0", "JSON-INFO-RESPONSE", "[]"])
        }
    }

    @Test func runsTheCompletionCascadeDownAThreeNodePipeline() throws {
        try withMaster { context, master in
            let client = try RawPeer(context, .dealer, id: "client", connect: master.endpoint)
            let workers = try ["w1", "w2"].map { try RawPeer(context, .dealer, id: $0, connect: master.endpoint) }
            for worker in workers { try worker.send(["MMOP/0", "READY"]) }
            try client.awaitWorkers(2)

            var host: [String: RawPeer] = [:]
            for type in ["C", "B", "A"] {
                #expect(try client.ask(["MMOP/0", "START-NODE-REQUEST", type]) == ["MMOP/0", "START-NODE-REQUEST-SUCCESS"])
                for worker in workers {
                    if let frames = try worker.receive(timeout: .milliseconds(200)) {
                        #expect(Array(frames.prefix(3)) == ["MMOP/0", "START-NODE", type])
                        host[type] = worker
                        try worker.send(["MMOP/0", "START-NODE-SUCCESS", type])
                    }
                }
            }
            try #require(host.count == 3)

            try host["A"]!.send(["MMOP/0", "WORKER-TASK-COMPLETED", "A"])
            for worker in workers { #expect(try worker.receive() == ["MMOP/0", "COMPLETE-TASK", "B"]) }
            try host["B"]!.send(["MMOP/0", "WORKER-TASK-COMPLETED", "B"])
            for worker in workers { #expect(try worker.receive() == ["MMOP/0", "COMPLETE-TASK", "C"]) }
            try host["C"]!.send(["MMOP/0", "WORKER-TASK-COMPLETED", "C"])

            let done = Array(repeating: RecipeInfo.Counts(running: 0, queued: 0, completed: 1), count: 3)
            #expect(try client.awaitRecipeCounts { $0 == done } == done)
            for worker in workers { #expect(try worker.receive(timeout: .milliseconds(100)) == nil, "nothing more") }
        }
    }

    @Test func placesAcrossSeveralWorkersByTheLeastLoadedRule() throws {
        try withMaster { context, master in
            let client = try RawPeer(context, .dealer, id: "client", connect: master.endpoint)
            let workers = try ["w1", "w2", "w3"].map { try RawPeer(context, .dealer, id: $0, connect: master.endpoint) }
            for (index, worker) in workers.enumerated() {
                try worker.send(["MMOP/0", "READY"])
                try client.awaitWorkers(index + 1)
            }
            var placed: [String] = []
            for type in ["C", "B", "B", "B", "A", "C"] {
                #expect(try client.ask(["MMOP/0", "START-NODE-REQUEST", type]) == ["MMOP/0", "START-NODE-REQUEST-SUCCESS"])
                for (index, worker) in workers.enumerated() {
                    if let frames = try worker.receive(timeout: .milliseconds(100)), frames[1] == "START-NODE" {
                        placed.append("w\(index + 1)")
                    }
                }
            }
            #expect(placed == ["w1", "w2", "w3", "w1", "w2", "w3"])
        }
    }

    @Test func aWorkerThatVanishedIsForgottenAndItsNodesGoElsewhere() throws {
        try withMaster { context, master in
            let client = try RawPeer(context, .dealer, id: "client", connect: master.endpoint)
            var first: RawPeer? = try RawPeer(context, .dealer, id: "w1", connect: master.endpoint)
            try first?.send(["MMOP/0", "READY"])
            try client.awaitWorkers(1)
            let second = try RawPeer(context, .dealer, id: "w2", connect: master.endpoint)
            try second.send(["MMOP/0", "READY"])
            try client.awaitWorkers(2)
            #expect(try client.ask(["MMOP/0", "START-NODE-REQUEST", "C"]) == ["MMOP/0", "START-NODE-REQUEST-SUCCESS"])
            #expect(try first?.receive()?[1] == "START-NODE")
            #expect(try client.ask(["MMOP/0", "START-NODE-REQUEST", "B"]) == ["MMOP/0", "START-NODE-REQUEST-SUCCESS"])
            #expect(try second.receive()?[1] == "START-NODE")

            first = nil  // w1's socket closes; the master's next send to it fails
            Thread.sleep(forTimeInterval: 0.3)
            // Both workers carry one node: the rule picks w1, which is gone.
            #expect(try client.ask(["MMOP/0", "START-NODE-REQUEST", "A"]) == ["MMOP/0", "START-NODE-REQUEST-SUCCESS"])
            let moved = try [second.receive(), second.receive()].map { Array(try #require($0).prefix(3)) }
            #expect(moved == [["MMOP/0", "START-NODE", "A"], ["MMOP/0", "START-NODE", "C"]])
            let workers = try json([WorkerInfo].self, try #require(try client.ask(["MMOP/0", "WORKER-INFO"]))[2])
            #expect(workers.map(\.workerID) == ["w2"])
        }
    }

    @Test func survivesGarbageAndStillAnswers() throws {
        try withMaster { context, master in
            let attacker = try RawPeer(context, .dealer, id: "attacker", connect: master.endpoint)
            var generator = SystemRandomNumberGenerator()
            for round in 0..<2_000 {
                var frames: [[UInt8]] = (0..<Int.random(in: 1...5, using: &generator)).map { _ in
                    (0..<Int.random(in: 0...16, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                }
                switch round % 4 {
                case 0: frames[0] = Array("MMOP/0".utf8)
                case 1: frames = [Array("MMOP/0".utf8), Array("START-NODE-REQUEST".utf8)]
                case 2: frames = [Array("MMOP/9".utf8), Array("PING".utf8)]
                default: break
                }
                try attacker.send(bytes: frames)
            }
            // Messages a worker sends, from a peer that never said READY.
            try attacker.send(["MMOP/0", "WORKER-TASK-COMPLETED", "A"])
            try attacker.send(["MMOP/0", "PONG"])
            // Drain whatever the valid-looking requests were answered with.
            while try attacker.receive(timeout: .milliseconds(200)) != nil {}

            let client = try RawPeer(context, .dealer, id: "client", connect: master.endpoint)
            #expect(try client.ask(["MMOP/0", "PING"]) == ["MMOP/0", "PONG"])
            #expect(master.state.recipeInfo.allSatisfy { $0.counts == .init() }, "garbage changed no count")
        }
    }

    @Test func aBusyEndpointIsAClearError() throws {
        try withContext { context in
            let first = try Master(graph: try chainGraph(), endpoint: "tcp://127.0.0.1:*", context: context)
            defer { first.stop() }
            #expect(throws: ZMQError.self) {
                _ = try Master(graph: try chainGraph(), endpoint: first.endpoint, context: context)
            }
            do {
                _ = try Master(graph: try chainGraph(), endpoint: first.endpoint, context: context)
            } catch {
                #expect("\(error)".hasPrefix("bind \(first.endpoint): Address already in use"))
            }
        }
    }
}
