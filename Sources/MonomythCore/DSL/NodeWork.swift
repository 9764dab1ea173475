/// The type-erased code of one node instance. Built on the node's thread and
/// used only there (it is deliberately not `Sendable`).
package final class NodeWork {
    package enum Step {
        /// A source: the next message (id and body), or `nil` when finished.
        case produce(() throws -> (id: String, body: [UInt8])?)
        /// A stage or sink.
        case process(Processor)
    }

    /// A stage's or sink's code: `begin` before each batch, `process` for
    /// each message of it (the body to place, `nil` for a sink), `finish`
    /// after it.
    package struct Processor {
        package var begin: () throws -> Void = {}
        package let process: (_ body: [UInt8], _ id: String) throws(MessageFailure) -> [UInt8]?
        package var finish: () throws -> Void = {}
    }

    package let step: Step
    package let start: () throws -> Void
    package let stop: () throws -> Void

    package init(step: Step, start: @escaping () throws -> Void, stop: @escaping () throws -> Void) {
        self.step = step
        self.start = start
        self.stop = stop
    }
}

/// A node instance's code with its hooks, ready for the node loop.
package struct NodeBody {
    package let work: NodeWork
    package let stopHooks: [@Sendable () throws -> Void]

    /// Runs the node's own stop and then the stop hooks. Every hook runs even if
    /// an earlier one throws; the first error is rethrown.
    package func stop() throws {
        var firstError: (any Error)?
        do { try work.stop() } catch { firstError = error }
        for hook in stopHooks {
            do { try hook() } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }
}

/// Why one message could not be processed. The message goes to the node's
/// fail queue with ``reason`` attached; the node carries on.
public enum MessageFailure: Error, Equatable, CustomStringConvertible {
    /// The body is not a valid encoding of the node's input type.
    case undecodable(String)
    /// The stage's transform threw.
    case transformThrew(String)
    /// The sink's consume threw.
    case consumeThrew(String)
    /// The output could not be encoded.
    case unencodable(String)

    public var reason: String {
        switch self {
        case .undecodable(let detail): "undecodable body: \(detail)"
        case .transformThrew(let detail): "transform threw: \(detail)"
        case .consumeThrew(let detail): "consume threw: \(detail)"
        case .unencodable(let detail): "output could not be encoded: \(detail)"
        }
    }

    public var description: String { reason }
}

extension NodeWork {
    /// The work of a source whose generator `make` builds.
    static func source<G: SourceGenerator>(type: String, _ make: () throws -> G) rethrows -> NodeWork {
        var generator = try make()
        let codec = PayloadCodec()
        return NodeWork(
            step: .produce {
                guard let produced = try generator.next() else { return nil }
                return (MessageID.source(type: type, key: produced.key), try codec.encode(produced.item))
            },
            start: { try generator.start() },
            stop: { try generator.stop() })
    }

    /// The work of a stage whose transformer `make` builds.
    static func stage<T: StageTransformer>(_ make: () throws -> T) rethrows -> NodeWork {
        var transformer = try make()
        let codec = PayloadCodec()
        return NodeWork(
            step: .process(Processor { (body, id) throws(MessageFailure) in
                let input = try codec.decodeInput(T.Input.self, from: body)
                let output: T.Output
                do { output = try transformer.transform(input, id: id) } catch { throw .transformThrew(String(describing: error)) }
                do { return try codec.encode(output) } catch { throw .unencodable(String(describing: error)) }
            }),
            start: { try transformer.start() },
            stop: { try transformer.stop() })
    }

    /// The work of a sink whose consumer `make` builds.
    static func sink<C: SinkConsumer>(_ make: () throws -> C) rethrows -> NodeWork {
        var consumer = try make()
        let codec = PayloadCodec()
        return NodeWork(
            step: .process(Processor(
                begin: { try consumer.beginBatch() },
                process: { (body, id) throws(MessageFailure) in
                    let input = try codec.decodeInput(C.Input.self, from: body)
                    do { try consumer.consume(input, id: id) } catch { throw .consumeThrew(String(describing: error)) }
                    return nil
                },
                finish: { try consumer.finishBatch() })),
            start: { try consumer.start() },
            stop: { try consumer.stop() })
    }
}

extension PayloadCodec {
    fileprivate func decodeInput<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws(MessageFailure) -> T {
        do { return try decode(type, from: body) } catch { throw .undecodable(String(describing: error)) }
    }
}
