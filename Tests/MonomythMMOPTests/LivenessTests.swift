import Foundation
import Monomyth
import Testing

/// Heartbeats, expiry and re-registration, over real sockets.
@Suite struct LivenessTests {
    let quick = Liveness(interval: .milliseconds(100), missedBeats: 3)

    @Test func theMasterExpiresASilentWorkerAndPlacesItsNodeElsewhere() throws {
        try withContext { context in
            let master = try Master(graph: try chainGraph(), endpoint: "tcp://127.0.0.1:*", context: context, liveness: quick)
            defer { master.stop() }
            let client = try RawPeer(context, .dealer, id: "client", connect: master.endpoint)
            let silent = try RawPeer(context, .dealer, id: "silent", connect: master.endpoint)
            try silent.send(["MMOP/0", "READY"])
            try client.awaitWorkers(1)
            let alive = try RawPeer(context, .dealer, id: "alive", connect: master.endpoint)
            try alive.send(["MMOP/0", "READY"])
            try client.awaitWorkers(2)
            #expect(try client.ask(["MMOP/0", "START-NODE-REQUEST", "B"]) == ["MMOP/0", "START-NODE-REQUEST-SUCCESS"])
            #expect(try silent.receive()?[1] == "START-NODE", "the earliest registered of two empty workers")

            // `alive` answers heartbeats; `silent` says nothing more.
            var moved: [String]?
            let deadline = ContinuousClock.now + .seconds(5)
            while moved == nil && ContinuousClock.now < deadline {
                try alive.send(["MMOP/0", "HEARTBEAT"])
                moved = try alive.receive(timeout: .milliseconds(50))
            }
            #expect(Array(try #require(moved).prefix(3)) == ["MMOP/0", "START-NODE", "B"])
            let workers = try json([WorkerInfo].self, try #require(try client.ask(["MMOP/0", "WORKER-INFO"]))[2])
            #expect(workers.map(\.workerID) == ["alive"])
        }
    }

    @Test func aWorkerHeartbeatsAndRegistersAgainWhenItsMasterIsSilent() throws {
        try withContext { context in
            let master = try RawPeer(context, .router, bind: "tcp://127.0.0.1:*")
            let worker = try Worker(
                id: "lonely", pipeline: Pipeline("echo") { Stage("echo") { (text: String) in text } },
                stream: InMemoryDataStream(), master: try master.socket.lastEndpoint(), context: context, liveness: quick)
            defer { worker.stop() }
            #expect(try master.receive() == ["lonely", "MMOP/0", "READY"])
            let beat = try #require(try master.socket.receive(timeout: .seconds(2)))
            #expect(beat.map { String(decoding: $0, as: UTF8.self) } == ["lonely", "MMOP/0", "HEARTBEAT"])
            // The raw master never answers: after 300 ms the worker reconnects and registers again.
            #expect(try master.receive(timeout: .seconds(3)) == ["lonely", "MMOP/0", "READY"])
        }
    }

    @Test func aWorkerToldToRegisterAgainReportsItsRunningNodes() throws {
        try withContext { context in
            let master = try RawPeer(context, .router, bind: "tcp://127.0.0.1:*")
            let pipeline = Pipeline("echo") { Stage("echo") { (text: String) in text } }
            let worker = try Worker(
                id: "w", pipeline: pipeline, stream: InMemoryDataStream(), master: try master.socket.lastEndpoint(),
                context: context, liveness: patientLiveness)
            defer { worker.stop() }
            #expect(try master.receive() == ["w", "MMOP/0", "READY"])
            let recipe = MMOPJSON.recipeBytes(try #require(try pipeline.graph().recipe(type: "ECHO")))
            for _ in 1...2 {
                try master.send(bytes: [Array("w".utf8), Array("MMOP/0".utf8), Array("START-NODE".utf8), Array("ECHO".utf8), recipe])
                #expect(try master.receive() == ["w", "MMOP/0", "START-NODE-SUCCESS", "ECHO"])
            }
            try master.send(["w", "MMOP/0", "RE-REGISTER"])
            #expect(try master.receive() == ["w", "MMOP/0", "READY"])
            #expect(try master.receive() == ["w", "MMOP/0", "RUNNING", "ECHO", "2"])
        }
    }
}
