import Foundation
import Monomyth

/// The RabbitMQ broker tests run against: `MONOMYTH_TEST_AMQP_URL`, by
/// default `amqp://guest:guest@127.0.0.1:5672/`.
public enum TestBroker {
    public static var url: String {
        ProcessInfo.processInfo.environment["MONOMYTH_TEST_AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/"
    }

    /// A stream on the test broker. Its operations block: use them inside ``onOwnThread(_:_:)``.
    public static func stream() throws -> RabbitMQDataStream {
        try RabbitMQDataStream(url: url)
    }
}
