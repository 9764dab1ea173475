import Foundation
import Monomyth
import Testing

/// Plays the master with a raw ROUTER and drives a real worker.
@Suite struct WorkerConformanceTests {
    let pipeline = Pipeline("echo") { Stage("echo") { (text: String) in text } }

    private func recipeJSON(_ type: String = "ECHO") throws -> [UInt8] {
        MMOPJSON.recipeBytes(try #require(try pipeline.graph().recipe(type: type)))
    }

    private func withWorker(_ body: (RawPeer, Worker, InMemoryDataStream) throws -> Void) throws {
        try withContext { context in
            let master = try RawPeer(context, .router, bind: "tcp://127.0.0.1:*")
            let endpoint = try master.socket.lastEndpoint()
            let stream = InMemoryDataStream()
            let worker = try Worker(id: "worker-under-test", pipeline: pipeline, stream: stream, master: endpoint, context: context)
            defer { worker.stop() }
            #expect(try master.receive() == ["worker-under-test", "MMOP/0", "READY"])
            try body(master, worker, stream)
        }
    }

    @Test func startsKnownNodesAndRefusesOthersWithReasons() throws {
        try withWorker { master, worker, _ in
            try master.send(bytes: [Array("worker-under-test".utf8), Array("MMOP/0".utf8), Array("START-NODE".utf8),
                                    Array("ECHO".utf8), try recipeJSON()])
            #expect(try master.receive() == ["worker-under-test", "MMOP/0", "START-NODE-SUCCESS", "ECHO"])
            #expect(worker.nodes.map(\.recipe.type) == ["ECHO"])

            try master.send(["worker-under-test", "MMOP/0", "START-NODE", "SHOUT", "{}"])
            #expect(try master.receive() == ["worker-under-test", "MMOP/0", "START-NODE-FAILURE", "SHOUT",
                                             "worker cannot handle recipe type", "this executable has no node of type SHOUT"])

            try master.send(["worker-under-test", "MMOP/0", "START-NODE", "ECHO", "not json"])
            let bad = try #require(try master.receive())
            #expect(Array(bad.prefix(5)) == ["worker-under-test", "MMOP/0", "START-NODE-FAILURE", "ECHO", "recipe build"])
            #expect(bad[5].hasPrefix("the recipe is not valid recipe JSON"))
        }
    }

    @Test func completeTaskMakesItsNodesFinishAndReport() throws {
        try withWorker { master, _, stream in
            let feed = try stream.connect()
            try feed.publish([Outgoing(queue: "START-to-ECHO", message: Message(id: "1", body: Array("hi".utf8)))])
            feed.close()
            try master.send(bytes: [Array("worker-under-test".utf8), Array("MMOP/0".utf8), Array("START-NODE".utf8),
                                    Array("ECHO".utf8), try recipeJSON()])
            #expect(try master.receive()?.last == "ECHO")
            try master.send(["worker-under-test", "MMOP/0", "COMPLETE-TASK", "ECHO"])
            #expect(try master.receive() == ["worker-under-test", "MMOP/0", "WORKER-TASK-COMPLETED", "ECHO"])
            #expect(stream.messages(on: "ECHO-to-END").map(\.body) == [Array("hi".utf8)], "it drained its queue first")
        }
    }

    @Test func reportsNodeMetricsBeforeATaskCompletes() throws {
        try withWorker { master, _, stream in
            let feed = try stream.connect()
            try feed.publish(["a", "", "c"].enumerated().map {
                Outgoing(queue: "START-to-ECHO", message: Message(id: "\($0.offset)", body: Array($0.element.utf8)))
            })
            feed.close()
            try master.send(bytes: [Array("worker-under-test".utf8), Array("MMOP/0".utf8), Array("START-NODE".utf8),
                                    Array("ECHO".utf8), try recipeJSON()])
            try master.send(["worker-under-test", "MMOP/0", "COMPLETE-TASK", "ECHO"])
            var seen: [[String]] = []
            while seen.last?.contains("WORKER-TASK-COMPLETED") != true {
                let frames = try #require(try master.socket.receive(timeout: .seconds(5)))
                let text = frames.map { String(decoding: $0, as: UTF8.self) }
                if text.last != "HEARTBEAT" { seen.append(text) }
            }
            let report = try #require(seen.dropLast().last)
            #expect(Array(report.prefix(3)) == ["worker-under-test", "MMOP/0", "NODE-METRICS"])
            let metrics = try MMOPJSON.decode([NodeMetrics].self, from: Array(report[3].utf8))
            #expect(metrics.map(\.type) == ["ECHO"])
            #expect(metrics.map(\.processed) == [2])
            #expect(metrics.map(\.dropped) == [1])
            #expect(metrics.allSatisfy { $0.batches >= 1 && $0.batchSeconds > 0 })
        }
    }

    @Test func survivesGarbageAndShutsDownOnRequest() throws {
        try withWorker { master, worker, _ in
            for frames in [["worker-under-test", "MMOP/2", "SHUTDOWN"], ["worker-under-test", "MMOP/0"],
                           ["worker-under-test", "MMOP/0", "START-NODE"], ["worker-under-test", "MMOP/0", "PONG"],
                           ["worker-under-test", "garbage", "\u{0}\u{1}"]] {
                try master.send(frames)
            }
            try master.send(["worker-under-test", "MMOP/0", "START-NODE", "SHOUT", "{}"])
            #expect(try master.receive()?[2] == "START-NODE-FAILURE", "still serving")

            try master.send(["worker-under-test", "MMOP/0", "SHUTDOWN"])
            #expect(worker.join(timeout: .seconds(10)), "the worker shut down by itself")
        }
    }
}
