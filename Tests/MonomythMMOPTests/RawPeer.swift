import CZeroMQ
import Foundation
import Monomyth

/// A bare ZeroMQ peer that speaks frames, as an independent implementation
/// would. Use it on one thread.
final class RawPeer {
    let socket: ZMQSocket

    init(_ context: ZMQContext, _ kind: ZMQSocket.Kind, id: String? = nil, connect: String? = nil, bind: String? = nil) throws {
        socket = try ZMQSocket(context, kind)
        if let id { try socket.setRoutingID(id) }
        if kind == .router { try socket.setOption(ZMQ_ROUTER_MANDATORY, 1) }
        if let bind { try socket.bind(bind) }
        if let connect { try socket.connect(connect) }
    }

    func send(_ frames: [String]) throws { try socket.send(frames.map { Array($0.utf8) }) }
    func send(bytes frames: [[UInt8]]) throws { try socket.send(frames) }

    /// The next message other than the periodic `HEARTBEAT` and
    /// `NODE-METRICS`, as text frames, or nil after `timeout`.
    func receive(timeout: Duration = .seconds(5)) throws -> [String]? {
        let deadline = ContinuousClock.now + timeout
        while case let left = deadline - .now, left > .zero {
            guard let frames = try socket.receive(timeout: left) else { return nil }
            let text = frames.map { String(decoding: $0, as: UTF8.self) }
            if text.last != "HEARTBEAT" && !text.contains("NODE-METRICS") { return text }
        }
        return nil
    }

    /// Sends `frames` and returns the answer.
    func ask(_ frames: [String]) throws -> [String]? {
        try send(frames)
        return try receive()
    }

    deinit { socket.close() }
}

/// A ZeroMQ context for one test, terminated at the end of `body` (which
/// hangs if the test left a socket open).
func withContext<T>(_ body: (ZMQContext) throws -> T) throws -> T {
    let context = try ZMQContext()
    defer { context.terminate() }
    return try body(context)
}

func json<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
    try MMOPJSON.decode(type, from: Array(text.utf8))
}

extension RawPeer {
    /// Asks the master for its workers until it knows `count` of them: a
    /// READY travels on the worker's own connection, so it may arrive after
    /// a later request on this one.
    func awaitWorkers(_ count: Int) throws {
        let deadline = Date(timeIntervalSinceNow: 10)
        while Date() < deadline {
            if let reply = try ask(["MMOP/0", "WORKER-INFO"]), try json([WorkerInfo].self, reply[2]).count >= count { return }
            Thread.sleep(forTimeInterval: 0.01)
        }
        throw TimedOut(what: "\(count) workers to register")
    }
}

extension RawPeer {
    /// Asks for recipe info until `done` holds for the counts (a worker's
    /// report travels on its own connection) or 5 s passed; the last counts.
    func awaitRecipeCounts(_ done: ([RecipeInfo.Counts]) -> Bool) throws -> [RecipeInfo.Counts] {
        let deadline = Date(timeIntervalSinceNow: 5)
        while true {
            let reply = try ask(["MMOP/0", "RECIPE-INFO"]) ?? []
            let counts = try json([RecipeInfo].self, reply.count == 3 ? reply[2] : "[]").map(\.counts)
            if done(counts) || Date() > deadline { return counts }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }
}

struct TimedOut: Error { let what: String }

/// Long enough that raw peers, which do not heartbeat, are never expired
/// during a test.
let patientLiveness = Liveness(interval: .seconds(60), missedBeats: 3)
