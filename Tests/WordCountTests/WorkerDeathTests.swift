import Foundation
import Monomyth
import MonomythTesting
import Testing
import WordCountPipeline

/// Which worker the test kills with SIGKILL in the middle of a job.
enum Victim: String, CaseIterable, Sendable {
    case hostOfLoadFile = "the worker hosting LOAD-FILE"
    case onlyMapText = "a worker hosting only MAP-TEXT"
    case hostOfStoreCounts = "the worker hosting STORE-COUNTS"

    /// Picks the victim's id from the master's worker info.
    func pick(from workers: [WorkerInfo]) -> String? {
        workers.first { worker in
            let types = Set(worker.nodes.map(\.recipeName))
            switch self {
            case .hostOfLoadFile: return types.contains("LOAD-FILE")
            case .onlyMapText: return types == ["MAP-TEXT"]
            case .hostOfStoreCounts: return types.contains("STORE-COUNTS")
            }
        }?.workerID
    }
}

extension WordCountOnRabbitMQTests {
    /// A master, three worker processes and RabbitMQ on loopback; three
    /// MAP-TEXT instances; one worker killed with SIGKILL mid-job. The job
    /// must complete by itself with exact counts and empty queues.
    @Test(arguments: Victim.allCases)
    func aJobSurvivesAWorkerKilledMidRun(_ victim: Victim) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("input.txt").path
        let database = directory.appendingPathComponent("counts.sqlite").path
        let text = try String(contentsOfFile: bundledText.path, encoding: .utf8)
        try String(repeating: text, count: 6).write(toFile: input, atomically: true, encoding: .utf8)
        let endpoint = "tcp://127.0.0.1:\(try freePort())"
        let options = ["--input", input, "--db", database]
        let stream = try TestBroker.stream()
        let queues = try wordCountPipeline(input: input, database: database).graph().queues.map(\.name)
        defer { try? stream.delete(queues: queues) }

        try await onOwnThread {
            let master = try ChildProcess(wordcountBinary, ["master", "--bind", endpoint] + options)
            defer { master.kill() }
            let workers = try (1...3).map { _ in
                try ChildProcess(wordcountBinary, ["worker", "--master", endpoint, "--amqp", TestBroker.url] + options)
            }
            defer { for worker in workers { worker.kill() } }
            let job = try ChildProcess(
                wordcountBinary,
                ["run", "--master", endpoint, "--workers", "3", "--instances", "map-text=3", "--amqp", TestBroker.url,
                 "--stop-workers"] + options)
            defer { job.kill() }

            // Wait until all five nodes are placed and the job is under way.
            var placed: [WorkerInfo] = []
            var answer = ""
            for _ in 1...200 where placed.flatMap(\.nodes).map(\.nodeCount).reduce(0, +) < 5 {
                Thread.sleep(forTimeInterval: 0.05)
                let info = try run(monomythBinary, ["worker-info", "--json", "--master", endpoint], timeout: .seconds(10))
                answer = info.stdout + info.stderr
                placed = (try? JSONDecoder().decode([WorkerInfo].self, from: Data(info.stdout.utf8))) ?? []
            }
            let victimID = try #require(
                victim.pick(from: placed), "\(victim.rawValue) in \(answer)\nrun: \(job.stderr)\nmaster: \(master.stderr)")
            let process = try #require(workers.first { $0.stderr.contains("[\(victimID)] ready") })
            Thread.sleep(forTimeInterval: 0.5)
            try #require(job.isRunning, "the job must still be running when the worker dies")
            process.signal(SIGKILL)

            let status = job.wait(timeout: .seconds(240))
            #expect(status == 0, "run: \(job.stderr)\nmaster: \(master.stderr)")
            #expect(try CountsStore.allCounts(path: database) == (try pythonWordCounts(of: input)))
            for queue in queues {
                #expect(try stream.messageCount(of: queue) == 0, "\(queue) is empty")
            }
            master.signal(SIGTERM)
            #expect(master.wait(timeout: .seconds(30)) == 0)
        }
    }
}

extension WordCountOnRabbitMQTests {
    /// A master killed and started again on the same endpoint learns its
    /// workers again: they notice the silence and register anew.
    @Test func aRestartedMasterLearnsItsWorkersAgain() async throws {
        let endpoint = "tcp://127.0.0.1:\(try freePort())"
        try await onOwnThread {
            var master = try ChildProcess(wordcountBinary, ["master", "--bind", endpoint])
            defer { master.kill() }
            let worker = try ChildProcess(wordcountBinary, ["worker", "--master", endpoint, "--amqp", TestBroker.url])
            defer { worker.kill() }
            func workers() throws -> [WorkerInfo] {
                let info = try run(monomythBinary, ["worker-info", "--json", "--master", endpoint], timeout: .seconds(10))
                return (try? JSONDecoder().decode([WorkerInfo].self, from: Data(info.stdout.utf8))) ?? []
            }
            func awaitOneWorker(within seconds: Int) throws -> [WorkerInfo] {
                let deadline = Date(timeIntervalSinceNow: TimeInterval(seconds))
                var known = try workers()
                while known.count != 1 && Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.1)
                    known = try workers()
                }
                return known
            }
            let before = try awaitOneWorker(within: 10)
            try #require(before.count == 1, "the worker registered: \(worker.stderr)")

            master.signal(SIGKILL)
            _ = master.wait(timeout: .seconds(10))
            master.kill()
            master = try ChildProcess(wordcountBinary, ["master", "--bind", endpoint])

            let after = try awaitOneWorker(within: 15)
            #expect(after.map(\.workerID) == before.map(\.workerID), "worker: \(worker.stderr)")
        }
    }
}
