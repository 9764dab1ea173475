import Foundation
import MonomythMMOP
import MonomythZeroMQ

/// A request to the master that did not succeed.
public enum ControlError: Error, Equatable, CustomStringConvertible {
    /// No answer within the time allowed: the master is down or busy.
    case timedOut(command: String, after: Duration)
    /// The master answered with a failure; `statusCode` has HTTP meaning.
    case refused(reason: String, statusCode: Int)
    /// The master answered something that is not the expected reply.
    case unexpectedReply(String)
    /// The ZeroMQ socket failed.
    case transport(String)

    public var description: String {
        switch self {
        case .timedOut(let command, let after): "the master did not answer \(command) within \(after)"
        case .refused(let reason, let code): "the master refused: \(reason) (\(code))"
        case .unexpectedReply(let detail): "unexpected reply from the master: \(detail)"
        case .transport(let detail): "cannot talk to the master: \(detail)"
        }
    }
}

/// Talks to a master over MMOP: one request at a time, each with a timeout.
///
/// Blocking; use it from one thread you own. A timed-out request's socket is
/// replaced, so a late answer cannot be mistaken for the next one's.
public final class ControlClient {
    public let master: String
    public let timeout: Duration
    private let context: ZMQContext
    private var socket: ZMQSocket

    public init(master: String, context: ZMQContext, timeout: Duration = .seconds(5)) throws(ControlError) {
        self.master = master
        self.timeout = timeout
        self.context = context
        socket = try Self.connect(master, context)
    }

    deinit { socket.close() }

    public func ping() throws(ControlError) {
        let reply = try request(.ping)
        guard case .pong = reply else { throw .unexpectedReply(reply.command) }
    }

    public func recipeInfo() throws(ControlError) -> [RecipeInfo] {
        try decodeJSON([RecipeInfo].self, try request(.recipeInfo))
    }

    public func workerInfo() throws(ControlError) -> [WorkerInfo] {
        try decodeJSON([WorkerInfo].self, try request(.workerInfo))
    }

    /// Extension: message counts per node type, summed over the workers.
    public func nodeMetrics() throws(ControlError) -> [NodeMetrics] {
        try decodeJSON([NodeMetrics].self, try request(.metrics))
    }

    /// Asks the master to start one node of `type` on the least-loaded worker.
    public func startNode(type: String) throws(ControlError) {
        switch try request(.startNodeRequest(type: type)) {
        case .startNodeRequestSuccess: return
        case .startNodeRequestFailure(let reason, let code): throw .refused(reason: reason, statusCode: code)
        case let other: throw .unexpectedReply(other.command)
        }
    }

    /// Asks the master to shut the worker `id` down.
    public func stopWorker(id: String) throws(ControlError) {
        switch try request(.stopWorkerRequest(workerID: id)) {
        case .stopWorkerRequestSuccess: return
        case .stopWorkerRequestFailure(let reason, let code): throw .refused(reason: reason, statusCode: code)
        case let other: throw .unexpectedReply(other.command)
        }
    }

    /// Asks the master to make `type` complete once its source queue is empty.
    public func completeTask(type: String) throws(ControlError) {
        switch try request(.completeTaskRequest(type: type)) {
        case .completeTaskRequestSuccess: return
        case .completeTaskRequestFailure(let reason, let code): throw .refused(reason: reason, statusCode: code)
        case let other: throw .unexpectedReply(other.command)
        }
    }

    public func close() { socket.close() }

    /// Sends `message` and waits for the master's answer.
    public func request(_ message: MMOPMessage) throws(ControlError) -> MMOPMessage {
        do {
            try socket.send(MMOPCodec.encode(message))
            guard let frames = try socket.receive(timeout: timeout) else {
                socket.close()
                socket = try Self.connect(master, context)
                throw ControlError.timedOut(command: message.command, after: timeout)
            }
            return try MMOPCodec.decode(frames)
        } catch let error as ControlError {
            throw error
        } catch let error as MMOPDecodingError {
            throw .unexpectedReply(error.description)
        } catch {
            throw .transport(String(describing: error))
        }
    }

    private func decodeJSON<T: Decodable>(_ type: T.Type, _ reply: MMOPMessage) throws(ControlError) -> T {
        guard case .jsonInfoResponse(let json) = reply else { throw .unexpectedReply(reply.command) }
        do {
            return try MMOPJSON.decode(type, from: Array(json.utf8))
        } catch {
            throw .unexpectedReply("JSON-INFO-RESPONSE that does not decode: \(error)")
        }
    }

    private static func connect(_ master: String, _ context: ZMQContext) throws(ControlError) -> ZMQSocket {
        do {
            let socket = try ZMQSocket(context, .dealer)
            try socket.setRoutingID("monomyth-control-" + UUID().uuidString.lowercased().prefix(8))
            try socket.connect(master)
            return socket
        } catch {
            throw .transport(error.description)
        }
    }
}
