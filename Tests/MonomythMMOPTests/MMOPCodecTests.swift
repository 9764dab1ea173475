import Monomyth
import Testing

@Suite struct MMOPCodecTests {
    static let everyMessage: [MMOPMessage] = [
        .ping, .recipeInfo, .workerInfo, .startNodeRequest(type: "MAP-TEXT"), .stopWorkerRequest(workerID: "w-1"),
        .completeTaskRequest(type: "ECHO"), .pong, .jsonInfoResponse("[]"), .startNodeRequestSuccess,
        .startNodeRequestFailure(reason: "no worker is connected", statusCode: 503), .stopWorkerRequestSuccess,
        .stopWorkerRequestFailure(reason: "unknown worker id: x", statusCode: 400), .completeTaskRequestSuccess,
        .completeTaskRequestFailure(reason: "unknown recipe type: X", statusCode: 400), .ready,
        .startNodeSuccess(type: "MAP-TEXT"),
        .startNodeFailure(type: "X", category: "worker cannot handle recipe type", reason: "no such node"),
        .workerTaskCompleted(type: "LOAD-FILE"), .nodeFailure(type: "X", reason: "broker gone"),
        .startNode(type: "MAP-TEXT", recipe: [123, 0, 255, 125]), .shutdown, .completeTask(type: "MAP-TEXT"),
        .nodeTaskCompleted(type: "MAP-TEXT", nodeID: "MAP-TEXT-1"),
        .nodeFailed(type: "MAP-TEXT", nodeID: "MAP-TEXT-1", reason: "oops"),
        .nodeStopped(type: "MAP-TEXT", nodeID: "MAP-TEXT-1"), .metrics,
        .nodeMetrics([NodeMetrics(type: "MAP-TEXT", processed: 9, failed: 1, dropped: 2, batches: 3, batchSeconds: 0.25)]),
    ]

    @Test(arguments: everyMessage)
    func everyMessageRoundTrips(_ message: MMOPMessage) throws {
        let frames = MMOPCodec.encode(message)
        #expect(frames[0] == Array("MMOP/0".utf8))
        #expect(frames[1] == Array(message.command.utf8))
        #expect(try MMOPCodec.decode(frames) == message)
    }

    @Test func framesAreExactlyTheSpecs() {
        func text(_ frames: [[UInt8]]) -> [String] { frames.map { String(decoding: $0, as: UTF8.self) } }
        #expect(text(MMOPCodec.encode(.ping)) == ["MMOP/0", "PING"])
        #expect(text(MMOPCodec.encode(.startNodeRequestFailure(reason: "no worker is connected", statusCode: 503)))
            == ["MMOP/0", "START-NODE-REQUEST-FAILURE", "no worker is connected", "503"])
        #expect(text(MMOPCodec.encode(.startNodeFailure(type: "A", category: "recipe build", reason: "bad")))
            == ["MMOP/0", "START-NODE-FAILURE", "A", "recipe build", "bad"])
        #expect(text(MMOPCodec.encode(.nodeTaskCompleted(type: "A", nodeID: "A-1"))) == ["MMOP/0", "NODE-TASK-COMPLETED", "A", "A-1"])
        #expect(text(MMOPCodec.encode(.nodeMetrics([NodeMetrics(type: "A", processed: 2, batches: 1, batchSeconds: 0.5)])))
            == ["MMOP/0", "NODE-METRICS", #"[{"batch_seconds":0.5,"batches":1,"dropped":0,"failed":0,"processed":2,"type":"A"}]"#])
        #expect(throws: MMOPDecodingError.invalidJSON(command: "NODE-METRICS")) {
            try MMOPCodec.decode([Array("MMOP/0".utf8), Array("NODE-METRICS".utf8), Array("{not json".utf8)])
        }
        #expect(MMOPCodec.encode(.startNode(type: "A", recipe: [1, 2])) == [Array("MMOP/0".utf8), Array("START-NODE".utf8), [65], [1, 2]])
    }

    @Test func decodingErrorsAreTypedAndWorded() {
        func frames(_ parts: String...) -> [[UInt8]] { parts.map { Array($0.utf8) } }
        #expect(throws: MMOPDecodingError.empty) { try MMOPCodec.decode([]) }
        #expect(throws: MMOPDecodingError.unrecognizedVersion("MMOP/1")) { try MMOPCodec.decode(frames("MMOP/1", "PING")) }
        #expect(MMOPDecodingError.unrecognizedVersion("MMOP/1").description == "unrecognized mmop version: MMOP/1")
        #expect(throws: MMOPDecodingError.missingCommand) { try MMOPCodec.decode(frames("MMOP/0")) }
        #expect(throws: MMOPDecodingError.unknownCommand("DANCE")) { try MMOPCodec.decode(frames("MMOP/0", "DANCE")) }
        #expect(throws: MMOPDecodingError.wrongFrameCount(command: "PING", expected: 0, got: 1)) {
            try MMOPCodec.decode(frames("MMOP/0", "PING", "extra"))
        }
        #expect(throws: MMOPDecodingError.wrongFrameCount(command: "START-NODE", expected: 2, got: 1)) {
            try MMOPCodec.decode(frames("MMOP/0", "START-NODE", "A"))
        }
        #expect(throws: MMOPDecodingError.invalidText(frame: 2)) {
            try MMOPCodec.decode([Array("MMOP/0".utf8), Array("START-NODE-REQUEST".utf8), [0xFF]])
        }
        #expect(throws: MMOPDecodingError.invalidStatusCode("soon")) {
            try MMOPCodec.decode(frames("MMOP/0", "STOP-WORKER-REQUEST-FAILURE", "why", "soon"))
        }
    }

    @Test func nodeMetricsThatCouldBreakTheMastersSumsAreRejected() {
        for json in [
            #"[{"type":"A","processed":-1,"failed":0,"dropped":0,"batches":0,"batch_seconds":0}]"#,
            #"[{"type":"A","processed":1,"failed":0,"dropped":0,"batches":0,"batch_seconds":-2}]"#,
            #"[{"type":"A","processed":1,"failed":0,"dropped":0,"batches":0,"batch_seconds":1e400}]"#,
        ] {
            #expect(throws: MMOPDecodingError.invalidJSON(command: "NODE-METRICS"), "\(json)") {
                try MMOPCodec.decode([Array("MMOP/0".utf8), Array("NODE-METRICS".utf8), Array(json.utf8)])
            }
        }
    }

    @Test func aRunningCountBeyondAnyWorkerIsRefused() throws {
        #expect(throws: MMOPDecodingError.invalidCount("9223372036854775807")) {
            try MMOPCodec.decode([Array("MMOP/0".utf8), Array("RUNNING".utf8), Array("A".utf8), Array("9223372036854775807".utf8)])
        }
        #expect(try MMOPCodec.decode([Array("MMOP/0".utf8), Array("RUNNING".utf8), Array("A".utf8), Array("100000".utf8)])
            == .running(type: "A", count: 100_000))
    }

    @Test func metricSumsSaturateInsteadOfOverflowing() {
        let huge = NodeMetrics(type: "A", processed: .max, failed: .max, dropped: 1, batches: .max, batchSeconds: 1e308)
        let sum = huge.adding(huge)
        #expect(sum == NodeMetrics(
            type: "A", processed: .max, failed: .max, dropped: 2, batches: .max, batchSeconds: .greatestFiniteMagnitude))
        #expect(MMOPJSON.encode([sum]).count > 0, "still encodes")
    }

    @Test func randomBytesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        let commands = Self.everyMessage.map(\.command)
        for _ in 0..<20_000 {
            var frames: [[UInt8]] = []
            if Bool.random(using: &generator) { frames.append(Array("MMOP/0".utf8)) }
            if Bool.random(using: &generator) { frames.append(Array(commands.randomElement(using: &generator)!.utf8)) }
            for _ in 0..<Int.random(in: 0...4, using: &generator) {
                frames.append((0..<Int.random(in: 0...12, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
            }
            _ = try? MMOPCodec.decode(frames)
        }
    }
}
