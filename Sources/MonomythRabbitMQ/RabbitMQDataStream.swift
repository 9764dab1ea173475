import MonomythRuntime

/// A ``DataStream`` on a RabbitMQ broker: the data plane of clusters.
///
/// It keeps the semantics of ``InMemoryDataStream``, so a pipeline moves to
/// RabbitMQ by configuration alone:
/// - each ``connect()`` opens one AMQP connection, for the calling thread only;
/// - queues are durable and messages persistent; ``DataStreamConnection/publish(_:)``
///   returns once the broker confirmed every message (publisher confirms);
/// - a pull's `max` is the consumer's prefetch;
/// - ``Message/id`` travels as the AMQP `message_id`, headers as a table of
///   strings, and the body as-is (a `String` payload is its UTF-8 bytes);
/// - a lost connection (a broker restart, missed heartbeats) is re-opened with
///   backoff for up to ``reconnectLimit``: queues are declared and consumers
///   started again, an interrupted publication is repeated, and deliveries of
///   the lost connection are redelivered by the broker, so settling their old
///   tags is a no-op. Delivery stays at least once.
///
/// Every method blocks its calling thread: call them from threads you own
/// (node threads), never from the Swift concurrency pool.
public final class RabbitMQDataStream: DataStream {
    public let url: AMQPURL
    /// How long a connection tries to reconnect after losing the broker
    /// before its operation fails.
    public let reconnectLimit: Duration
    let timings: AMQPTimings

    public init(url: AMQPURL, reconnectLimit: Duration = .seconds(60)) {
        self.url = url
        self.reconnectLimit = reconnectLimit
        self.timings = AMQPTimings()
    }

    /// A stream on the broker at `url`, e.g. `amqp://guest:guest@localhost:5672/`;
    /// a malformed URL throws ``DataStreamError/unavailable(_:)`` saying what is wrong.
    public convenience init(url: String, reconnectLimit: Duration = .seconds(60)) throws(DataStreamError) {
        do {
            self.init(url: try AMQPURL(parsing: url), reconnectLimit: reconnectLimit)
        } catch {
            throw .unavailable(error.description)
        }
    }

    /// Connects and logs in; throws ``DataStreamError/unavailable(_:)``
    /// naming the broker and user if it cannot.
    public func connect() throws -> any DataStreamConnection {
        try RabbitMQConnection(stream: self)
    }

    /// How many messages wait on `queue` (not counting unacknowledged ones),
    /// or `nil` if the queue does not exist.
    public func messageCount(of queue: String) throws(DataStreamError) -> Int? {
        let session = try openSession()
        do {
            return try session.declare(queue: queue, passive: true)
        } catch .refused(code: 404, _) {
            return nil
        } catch {
            throw unavailable(error)
        }
    }

    /// Deletes `queues` with the messages on them; queues that do not exist are skipped.
    public func delete(queues: [String]) throws(DataStreamError) {
        let session = try openSession()
        for queue in queues {
            do {
                try session.delete(queue: queue)
            } catch {
                throw unavailable(error)
            }
        }
    }

    /// A new session, or the error a user can act on.
    func openSession() throws(DataStreamError) -> AMQPSession {
        do {
            return try AMQPSession(url: url, timings: timings)
        } catch {
            throw unavailable(error)
        }
    }

    func unavailable(_ failure: AMQPFailure) -> DataStreamError {
        switch failure {
        case .lost(let why):
            .unavailable("cannot reach the RabbitMQ broker (\(url.summary)): \(why)")
        case .refused(code: 403, let why):
            .unavailable(
                "the RabbitMQ broker at \(url.host):\(url.port) refused user \(url.user) on vhost \"\(url.vhost)\" "
                    + "(check the user name, the password and the user's permissions on the vhost): \(why)")
        case .refused(let code, let why):
            .unavailable("the RabbitMQ broker (\(url.summary)) refused an operation (\(code)): \(why)")
        }
    }
}
