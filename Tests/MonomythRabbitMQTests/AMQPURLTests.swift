import Monomyth
import Testing

@Suite struct AMQPURLTests {
    @Test func everyPartHasADefault() throws {
        #expect(try AMQPURL(parsing: "amqp://") == AMQPURL())
        #expect(try AMQPURL(parsing: "amqp://localhost") == AMQPURL(user: "guest", password: "guest", host: "localhost", port: 5672, vhost: "/"))
        #expect(try AMQPURL(parsing: "amqp://guest:guest@127.0.0.1:5672/") == AMQPURL(host: "127.0.0.1"))
    }

    @Test func allPartsAreReadAndPercentDecoded() throws {
        let url = try AMQPURL(parsing: "amqp://an%40dy:p%3Ass@broker.example:5673/team%2Fjobs")
        #expect(url == AMQPURL(user: "an@dy", password: "p:ss", host: "broker.example", port: 5673, vhost: "team/jobs"))
        #expect(try AMQPURL(parsing: "amqp://h/%2F").vhost == "/")
        #expect(try AMQPURL(parsing: "amqp://[::1]:5999/v").host == "::1")
    }

    @Test func theDescriptionNeverShowsThePassword() throws {
        let url = try AMQPURL(parsing: "amqp://alice:s3cret@h:5672/prod")
        #expect(url.description == "amqp://alice@h:5672/prod")
    }

    @Test(arguments: [
        ("localhost:5672", "does not start with amqp://"),
        ("amqps://h/", "only amqp is supported"),
        ("amqp://h:abc/", "the port \"abc\" is not a number from 1 to 65535"),
        ("amqp://h:0/", "the port \"0\" is not a number"),
        ("amqp://h/a/b", "the virtual host must be one path segment"),
        ("amqp://h/?heartbeat=5", "query parameters"),
        ("amqp://:pw@h/", "the user name before @ is empty"),
        ("amqp://h/bad%zz", "the virtual host has a % not followed by two hex digits"),
        ("amqp://[::1/", "IPv6 host opened with [ is not closed"),
    ])
    func aMalformedURLSaysWhatIsWrong(text: String, problem: String) {
        #expect {
            try AMQPURL(parsing: text)
        } throws: { error in
            let description = "\(error)"
            return error is AMQPURLError && description.contains(problem)
                && description.hasPrefix("malformed AMQP URL: ")
        }
    }

    @Test func theStreamReportsAMalformedURLAsUnavailable() {
        #expect(throws: DataStreamError.unavailable(AMQPURLError.invalidPort("x").description)) {
            try RabbitMQDataStream(url: "amqp://h:x/")
        }
    }
}
