import Foundation
import Monomyth
import MonomythControlHTTP
import Testing

/// A master, a worker and the HTTP control server in this process; the
/// tests talk to the server over real HTTP.
final class Cluster {
    static let total = 200
    /// Multiples of 7 in 1...200 fail in CHECK.
    static let failing = 28

    let pipeline = Pipeline("numbers") {
        Source("numbers", batchSize: 10, items: Array(1...Cluster.total))
        Stage("check", batchSize: 10) { (number: Int) in
            if number % 7 == 0 { throw Odd(number: number) }
            return number
        }
        Sink("keep", batchSize: 10) { (_: Int) in }
    }
    let graph: PipelineGraph
    let context: ZMQContext
    let master: Master
    let worker: Worker
    let server: ControlHTTPServer
    var port: UInt16 { server.address.port }

    struct Odd: Error { let number: Int }

    init() throws {
        graph = try pipeline.graph()
        context = try ZMQContext()
        let liveness = Liveness(interval: .milliseconds(100), missedBeats: 50)
        master = try Master(graph: graph, endpoint: "inproc://master-\(UUID())", context: context, liveness: liveness)
        worker = try Worker(
            pipeline: pipeline, stream: InMemoryDataStream(), master: master.endpoint, context: context, liveness: liveness)
        server = try ControlHTTPServer(
            graph: graph, master: master.endpoint, context: context, address: HTTPAddress(port: 0),
            masterTimeout: .seconds(1))
        _ = eventually { master.state.workerIDs == [worker.id] }
    }

    func stop() {
        server.stop()
        worker.stop()
        master.stop()
        context.terminate()
    }

    /// Starts every node over HTTP, consumers first, and waits until the job completed.
    func runJob() throws {
        for type in ["keep", "check", "numbers"] {
            let started = try http("POST", port, "/start-node/\(type)")
            #expect(started.status == 201)
            #expect(started.object["request_sent_to_worker"] as? Bool == true)
        }
        let done = try eventually {
            try http("GET", port, "/recipe-info").json([RecipeInfo].self).allSatisfy { $0.counts.completed == 1 }
        }
        try #require(done)
    }
}

@Suite(.serialized) struct ControlHTTPServerTests {
    @Test func pingAnswersPongOnceTheMasterDid() throws {
        let cluster = try Cluster()
        defer { cluster.stop() }
        let pong = try http("GET", cluster.port, "/ping")
        #expect(pong.status == 200)
        #expect(pong.body == "pong")
    }

    @Test func pipelineIsTheGraphAsJSON() throws {
        let cluster = try Cluster()
        defer { cluster.stop() }
        let answer = try http("GET", cluster.port, "/pipeline")
        #expect(answer.status == 200)
        #expect(answer.contentType == "application/json")
        #expect(try answer.json(PipelineGraph.self) == cluster.graph)
    }

    @Test func startsNodesAndReportsWorkersRecipesAndMetrics() throws {
        let cluster = try Cluster()
        defer { cluster.stop() }
        let port = cluster.port
        for type in ["keep", "check"] { #expect(try http("POST", port, "/start-node/\(type)").status == 201) }
        #expect(try eventually { try http("GET", port, "/recipe-info").json([RecipeInfo].self).map(\.counts.running) == [0, 1, 1] })
        let workers = try http("GET", port, "/worker-info").json([WorkerInfo].self)
        #expect(workers == [WorkerInfo(workerID: cluster.worker.id, nodes: [.init(recipeName: "CHECK", nodeCount: 1), .init(recipeName: "KEEP", nodeCount: 1)])])
        let running = try http("GET", port, "/metrics").body
        #expect(running.contains("monomyth_nodes_running{type=\"KEEP\"} 1\n"))
        #expect(running.contains("monomyth_worker_nodes{worker=\"\(cluster.worker.id)\",type=\"CHECK\"} 1\n"))

        #expect(try http("POST", port, "/start-node/numbers").status == 201)
        #expect(try eventually { try http("GET", port, "/recipe-info").json([RecipeInfo].self).allSatisfy { $0.counts.completed == 1 } })
        let metrics = try http("GET", port, "/node-metrics").json([NodeMetrics].self)
        #expect(metrics.map(\.type) == ["NUMBERS", "CHECK", "KEEP"])
        #expect(metrics.map(\.processed) == [Cluster.total, Cluster.total - Cluster.failing, Cluster.total - Cluster.failing])
        #expect(metrics.map(\.failed) == [0, Cluster.failing, 0])
        #expect(metrics.allSatisfy { $0.batches > 0 && $0.batchSeconds > 0 })

        let text = try http("GET", port, "/metrics")
        #expect(text.status == 200)
        #expect(text.contentType.hasPrefix("text/plain; version=0.0.4"))
        for line in [
            "monomyth_nodes_completed{type=\"NUMBERS\"} 1", "monomyth_nodes_running{type=\"CHECK\"} 0",
            "monomyth_nodes_queued{type=\"KEEP\"} 0", "monomyth_workers 1",
            "monomyth_messages_processed_total{type=\"NUMBERS\"} \(Cluster.total)",
            "monomyth_messages_processed_total{type=\"KEEP\"} \(Cluster.total - Cluster.failing)",
            "monomyth_messages_failed_total{type=\"CHECK\"} \(Cluster.failing)",
            "# TYPE monomyth_batch_seconds_total counter",
        ] {
            #expect(text.body.contains(line + "\n"), "missing \(line)")
        }
        #expect(text.body.contains("monomyth_batch_seconds_total{type=\"CHECK\"} "))
    }

    @Test func stopWorkerShutsItDownAndStartNodeThenSaysNoWorker() throws {
        let cluster = try Cluster()
        defer { cluster.stop() }
        let stopped = try http("POST", cluster.port, "/stop-worker/\(cluster.worker.id)")
        #expect(stopped.status == 201)
        #expect(stopped.object["request_sent_to_worker"] as? Bool == true)
        #expect(cluster.worker.join(timeout: .seconds(10)))
        #expect(try http("GET", cluster.port, "/worker-info").body == "[]")

        let refused = try http("POST", cluster.port, "/start-node/keep")
        #expect(refused.status == 503)
        #expect(refused.object["request_sent_to_worker"] as? Bool == false)
        #expect(refused.object["error_message"] as? String == "no worker is connected")
    }

    @Test func badInputGetsJSONErrors() throws {
        let cluster = try Cluster()
        defer { cluster.stop() }
        let port = cluster.port
        for path in ["/nothing", "/ping/more", "/start-node", "/start-node/a/b", "/metrics.json"] {
            let answer = try http("GET", port, path)
            #expect(answer.status == 404, "\(path)")
            #expect(answer.contentType == "application/json")
            #expect((answer.object["error_message"] as? String)?.contains("no such resource") == true)
        }
        for (method, path, allowed) in [
            ("POST", "/ping", "GET"), ("DELETE", "/recipe-info", "GET"), ("GET", "/start-node/keep", "POST"),
            ("GET", "/stop-worker/x", "POST"), ("POST", "/", "GET"), ("PUT", "/metrics", "GET"),
        ] {
            let answer = try http(method, port, path)
            #expect(answer.status == 405, "\(method) \(path)")
            #expect(answer.allow == allowed)
            #expect(answer.object["error_message"] != nil)
        }
        for path in ["/start-node/two%20words", "/start-node/%C3%A9t%C3%A9", "/stop-worker/a;b",
                     "/stop-worker/" + String(repeating: "w", count: 129)] {
            let answer = try http("POST", port, path)
            #expect(answer.status == 400, "\(path)")
            #expect(answer.object["request_sent_to_worker"] as? Bool == false)
            #expect((answer.object["error_message"] as? String)?.contains("is not a") == true)
        }
        let unknownType = try http("POST", port, "/start-node/shout")
        #expect(unknownType.status == 400)
        #expect(unknownType.object["error_message"] as? String == "unknown recipe type: SHOUT")
        #expect(unknownType.object["request_sent_to_worker"] as? Bool == false)
        let unknownWorker = try http("POST", port, "/stop-worker/nobody")
        #expect(unknownWorker.status == 400)
        #expect(unknownWorker.object["error_message"] as? String == "unknown worker id: nobody")
    }

    @Test func aMasterThatDoesNotAnswerGives503WithinTheTimeout() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let graph = try Cluster().pipeline.graph()
        // Nothing listens there: requests queue on a socket that never connects.
        let server = try ControlHTTPServer(
            graph: graph, master: "inproc://no-master-\(UUID())", context: context, address: HTTPAddress(port: 0),
            masterTimeout: .milliseconds(500))
        defer { server.stop() }
        let started = ContinuousClock.now
        let ping = try http("GET", server.address.port, "/ping")
        #expect(ping.status == 503)
        #expect((ping.object["error_message"] as? String)?.contains("did not answer PING") == true)
        #expect(ContinuousClock.now - started < .seconds(3))

        // Several at once each wait at most the timeout, queueing included.
        let paths = ["/recipe-info", "/worker-info", "/metrics", "/node-metrics", "/start-node/keep", "/ping"]
        let answers = Guarded<[Int]>([])
        let crowd = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: paths.count) { index in
            let status = (try? http(index == 4 ? "POST" : "GET", server.address.port, paths[index]).status) ?? 0
            answers.update { $0.append(status) }
        }
        #expect(answers.current == Array(repeating: 503, count: paths.count))
        #expect(ContinuousClock.now - crowd < .seconds(4))

        // The master is known silent: while one request tries it, another
        // fails at once instead of holding an HTTP thread.
        let probe = Guarded<Int?>(nil)
        Thread { probe.update { $0 = (try? http("GET", server.address.port, "/recipe-info").status) ?? 0 } }.start()
        Thread.sleep(forTimeInterval: 0.2)
        let turnedAway = try http("GET", server.address.port, "/worker-info")
        #expect(turnedAway.status == 503)
        #expect((turnedAway.object["error_message"] as? String)?.contains("the master is not answering") == true,
                "\(turnedAway.body)")
        #expect(probe.wait(until: Date(timeIntervalSinceNow: 5)) { $0 } == 503)
        // What does not need the master still answers.
        #expect(try http("GET", server.address.port, "/pipeline").status == 200)
    }

    @Test func stopClosesTheSocketAndEndsEveryThread() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let graph = try Cluster().pipeline.graph()
        let before = threads()
        let server = try ControlHTTPServer(
            graph: graph, master: "inproc://no-master-\(UUID())", context: context, address: HTTPAddress(port: 0))
        let port = server.address.port
        #expect(try http("GET", port, "/pipeline").status == 200)
        // The daemon's pool, and the thread that talks to the master. (No
        // other suite of this process starts an HTTP server.)
        let started = threads().filter { before[$0.key] == nil && ($0.value.hasPrefix("MHD-") || $0.value == "control-http") }
        #expect(started.values.filter { $0.hasPrefix("MHD-") }.count == 4)
        #expect(started.values.filter { $0 == "control-http" }.count == 1)
        server.stop()
        // stop() returns once each thread's work is over; the OS may take a
        // moment more to remove the thread itself.
        let deadline = Date(timeIntervalSinceNow: 2)
        while !Set(started.keys).isDisjoint(with: threads().keys) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(Set(started.keys).isDisjoint(with: threads().keys), "threads left: \(started)")
        #expect(throws: CurlFailed.self) { try http("GET", port, "/pipeline") }
    }

    @Test func listeningTwiceOnOnePortFails() throws {
        let cluster = try Cluster()
        defer { cluster.stop() }
        #expect(throws: HTTPServerError.cannotListen(HTTPAddress(port: cluster.port))) {
            try ControlHTTPServer(
                graph: cluster.graph, master: cluster.master.endpoint, context: cluster.context,
                address: HTTPAddress(port: cluster.port))
        }
        #expect(HTTPAddress(parsing: "8080") == HTTPAddress(host: "127.0.0.1", port: 8080))
        #expect(HTTPAddress(parsing: "localhost:9") == HTTPAddress(host: "127.0.0.1", port: 9))
        #expect(HTTPAddress(parsing: "0.0.0.0:80") == HTTPAddress(host: "0.0.0.0", port: 80))
        #expect(HTTPAddress(parsing: "example.org:80") == nil)
        #expect(HTTPAddress(parsing: "127.0.0.1:99999") == nil)
    }
}
