/// Encodes MMOP messages to frames and decodes frames strictly.
///
/// Frames exclude any routing frame: `MMOP/0 <COMMAND> <args…>`. Decoding is
/// total: whatever bytes arrive, it returns a message or throws
/// ``MMOPDecodingError``; it never traps.
public enum MMOPCodec {
    public static let version = "MMOP/0"
    /// The most nodes of one type a worker may report running: more is a
    /// broken or hostile peer.
    public static let maxNodeCount = 100_000

    public static func encode(_ message: MMOPMessage) -> [[UInt8]] {
        ([version, message.command] + message.textArguments).map { Array($0.utf8) } + message.byteArguments
    }

    public static func decode(_ frames: [[UInt8]]) throws(MMOPDecodingError) -> MMOPMessage {
        guard let versionFrame = frames.first else { throw .empty }
        guard versionFrame == Array(version.utf8) else {
            throw .unrecognizedVersion(String(decoding: versionFrame, as: UTF8.self))
        }
        guard frames.count >= 2 else { throw .missingCommand }
        guard let command = String(validating: frames[1], as: UTF8.self) else { throw .invalidText(frame: 1) }
        let arguments = Array(frames.dropFirst(2))

        func expect(_ count: Int) throws(MMOPDecodingError) {
            guard arguments.count == count else {
                throw .wrongFrameCount(command: command, expected: count, got: arguments.count)
            }
        }
        func text(_ index: Int) throws(MMOPDecodingError) -> String {
            guard let value = String(validating: arguments[index], as: UTF8.self) else {
                throw .invalidText(frame: index + 2)
            }
            return value
        }
        func status(_ index: Int) throws(MMOPDecodingError) -> Int {
            let value = try text(index)
            guard value.allSatisfy(\.isASCII), let code = Int(value), (100...599).contains(code) else {
                throw .invalidStatusCode(value)
            }
            return code
        }

        switch command {
        case "PING": try expect(0); return .ping
        case "RECIPE-INFO": try expect(0); return .recipeInfo
        case "WORKER-INFO": try expect(0); return .workerInfo
        case "START-NODE-REQUEST": try expect(1); return .startNodeRequest(type: try text(0))
        case "STOP-WORKER-REQUEST": try expect(1); return .stopWorkerRequest(workerID: try text(0))
        case "COMPLETE-TASK-REQUEST": try expect(1); return .completeTaskRequest(type: try text(0))
        case "PONG": try expect(0); return .pong
        case "JSON-INFO-RESPONSE": try expect(1); return .jsonInfoResponse(try text(0))
        case "START-NODE-REQUEST-SUCCESS": try expect(0); return .startNodeRequestSuccess
        case "START-NODE-REQUEST-FAILURE":
            try expect(2); return .startNodeRequestFailure(reason: try text(0), statusCode: try status(1))
        case "STOP-WORKER-REQUEST-SUCCESS": try expect(0); return .stopWorkerRequestSuccess
        case "STOP-WORKER-REQUEST-FAILURE":
            try expect(2); return .stopWorkerRequestFailure(reason: try text(0), statusCode: try status(1))
        case "COMPLETE-TASK-REQUEST-SUCCESS": try expect(0); return .completeTaskRequestSuccess
        case "COMPLETE-TASK-REQUEST-FAILURE":
            try expect(2); return .completeTaskRequestFailure(reason: try text(0), statusCode: try status(1))
        case "READY": try expect(0); return .ready
        case "START-NODE-SUCCESS": try expect(1); return .startNodeSuccess(type: try text(0))
        case "START-NODE-FAILURE":
            try expect(3); return .startNodeFailure(type: try text(0), category: try text(1), reason: try text(2))
        case "WORKER-TASK-COMPLETED": try expect(1); return .workerTaskCompleted(type: try text(0))
        case "NODE-FAILURE": try expect(2); return .nodeFailure(type: try text(0), reason: try text(1))
        case "RUNNING":
            try expect(2)
            let count = try text(1)
            guard count.allSatisfy(\.isASCII), let number = Int(count), (0...maxNodeCount).contains(number) else {
                throw .invalidCount(count)
            }
            return .running(type: try text(0), count: number)
        case "HEARTBEAT": try expect(0); return .heartbeat
        case "METRICS": try expect(0); return .metrics
        case "NODE-METRICS":
            try expect(1)
            do {
                return .nodeMetrics(try MMOPJSON.decode([NodeMetrics].self, from: arguments[0]))
            } catch {
                throw .invalidJSON(command: command)
            }
        case "RE-REGISTER": try expect(0); return .reRegister
        case "START-NODE": try expect(2); return .startNode(type: try text(0), recipe: arguments[1])
        case "SHUTDOWN": try expect(0); return .shutdown
        case "COMPLETE-TASK": try expect(1); return .completeTask(type: try text(0))
        case "NODE-TASK-COMPLETED": try expect(2); return .nodeTaskCompleted(type: try text(0), nodeID: try text(1))
        case "NODE-FAILED":
            try expect(3); return .nodeFailed(type: try text(0), nodeID: try text(1), reason: try text(2))
        case "NODE-STOPPED": try expect(2); return .nodeStopped(type: try text(0), nodeID: try text(1))
        default: throw .unknownCommand(command)
        }
    }
}

/// Frames that are not a valid MMOP/0 message.
public enum MMOPDecodingError: Error, Equatable, CustomStringConvertible {
    case empty
    case unrecognizedVersion(String)
    case missingCommand
    case unknownCommand(String)
    case wrongFrameCount(command: String, expected: Int, got: Int)
    case invalidText(frame: Int)
    case invalidStatusCode(String)
    case invalidCount(String)
    case invalidJSON(command: String)

    public var description: String {
        switch self {
        case .empty: "empty message"
        case .unrecognizedVersion(let version): "unrecognized mmop version: \(version)"
        case .missingCommand: "message has a version frame but no command"
        case .unknownCommand(let command): "unknown mmop command: \(command)"
        case .wrongFrameCount(let command, let expected, let got):
            "\(command) takes \(expected) argument frame\(expected == 1 ? "" : "s"), got \(got)"
        case .invalidText(let frame): "frame \(frame) is not valid UTF-8"
        case .invalidStatusCode(let value): "status code '\(value)' is not a number from 100 to 599"
        case .invalidCount(let value): "node count '\(value)' is not a whole number from 0 to \(MMOPCodec.maxNodeCount)"
        case .invalidJSON(let command): "\(command) carries JSON that does not decode"
        }
    }
}

extension MMOPMessage {
    /// The command frame.
    public var command: String {
        switch self {
        case .ping: "PING"
        case .recipeInfo: "RECIPE-INFO"
        case .workerInfo: "WORKER-INFO"
        case .startNodeRequest: "START-NODE-REQUEST"
        case .stopWorkerRequest: "STOP-WORKER-REQUEST"
        case .completeTaskRequest: "COMPLETE-TASK-REQUEST"
        case .pong: "PONG"
        case .jsonInfoResponse: "JSON-INFO-RESPONSE"
        case .startNodeRequestSuccess: "START-NODE-REQUEST-SUCCESS"
        case .startNodeRequestFailure: "START-NODE-REQUEST-FAILURE"
        case .stopWorkerRequestSuccess: "STOP-WORKER-REQUEST-SUCCESS"
        case .stopWorkerRequestFailure: "STOP-WORKER-REQUEST-FAILURE"
        case .completeTaskRequestSuccess: "COMPLETE-TASK-REQUEST-SUCCESS"
        case .completeTaskRequestFailure: "COMPLETE-TASK-REQUEST-FAILURE"
        case .ready: "READY"
        case .startNodeSuccess: "START-NODE-SUCCESS"
        case .startNodeFailure: "START-NODE-FAILURE"
        case .workerTaskCompleted: "WORKER-TASK-COMPLETED"
        case .nodeFailure: "NODE-FAILURE"
        case .running: "RUNNING"
        case .heartbeat: "HEARTBEAT"
        case .metrics: "METRICS"
        case .nodeMetrics: "NODE-METRICS"
        case .reRegister: "RE-REGISTER"
        case .startNode: "START-NODE"
        case .shutdown: "SHUTDOWN"
        case .completeTask: "COMPLETE-TASK"
        case .nodeTaskCompleted: "NODE-TASK-COMPLETED"
        case .nodeFailed: "NODE-FAILED"
        case .nodeStopped: "NODE-STOPPED"
        }
    }

    /// The argument frames that are text, in order.
    fileprivate var textArguments: [String] {
        switch self {
        case .ping, .recipeInfo, .workerInfo, .pong, .startNodeRequestSuccess, .stopWorkerRequestSuccess,
             .completeTaskRequestSuccess, .ready, .shutdown, .heartbeat, .reRegister, .metrics:
            []
        case .startNodeRequest(let type), .completeTaskRequest(let type), .startNodeSuccess(let type),
             .workerTaskCompleted(let type), .completeTask(let type), .startNode(let type, _):
            [type]
        case .stopWorkerRequest(let id): [id]
        case .jsonInfoResponse(let json): [json]
        case .nodeMetrics(let metrics): [String(decoding: MMOPJSON.encode(metrics), as: UTF8.self)]
        case .startNodeRequestFailure(let reason, let code), .stopWorkerRequestFailure(let reason, let code),
             .completeTaskRequestFailure(let reason, let code):
            [reason, String(code)]
        case .startNodeFailure(let type, let category, let reason): [type, category, reason]
        case .nodeFailure(let type, let reason): [type, reason]
        case .running(let type, let count): [type, String(count)]
        case .nodeTaskCompleted(let type, let id), .nodeStopped(let type, let id): [type, id]
        case .nodeFailed(let type, let id, let reason): [type, id, reason]
        }
    }

    /// The argument frames that are bytes, after the text ones.
    fileprivate var byteArguments: [[UInt8]] {
        if case .startNode(_, let recipe) = self { [recipe] } else { [] }
    }
}
