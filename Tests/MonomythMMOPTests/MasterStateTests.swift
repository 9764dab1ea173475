import Monomyth
import Testing

/// Three chained node types: A → B → C.
func chainGraph(instances: Int = 1) throws -> PipelineGraph {
    try Pipeline("abc") {
        Source("a", items: [1, 2, 3])
        Stage("b") { (n: Int) in n }.instances(instances)
        Sink("c") { (_: Int) in }
    }.graph()
}

@Suite struct MasterStateTests {
    @Test func placementFollowsTheLeastLoadedRule() throws {
        var state = MasterState(graph: try chainGraph())
        for worker in ["w1", "w2", "w3"] { _ = state.handle(.ready, from: worker) }
        func place(_ type: String) -> String? {
            state.handle(.startNodeRequest(type: type), from: "client").first { $0.message.command == "START-NODE" }?.to
        }
        // Fewest of the type, then fewest overall, then earliest registered.
        #expect(place("C") == "w1")
        #expect(place("B") == "w2")
        #expect(place("B") == "w3")
        #expect(place("B") == "w1", "the only worker without a B")
        #expect(place("A") == "w2", "w2 and w3 carry one node each, w1 two")
        #expect(place("C") == "w3", "fewest C: w2 and w3; fewest overall: w3")
        let info = Dictionary(uniqueKeysWithValues: state.workerInfo.map { ($0.workerID, $0.nodes.map(\.nodeCount).reduce(0, +)) })
        #expect(info == ["w1": 2, "w2": 2, "w3": 2])
    }

    @Test func refusalsCarryHTTPStatusCodes() throws {
        var state = MasterState(graph: try chainGraph())
        #expect(state.handle(.startNodeRequest(type: "B"), from: "c") ==
            [Envelope(to: "c", .startNodeRequestFailure(reason: "no worker is connected", statusCode: 503))])
        _ = state.handle(.ready, from: "w1")
        #expect(state.handle(.startNodeRequest(type: "NOPE"), from: "c") ==
            [Envelope(to: "c", .startNodeRequestFailure(reason: "unknown recipe type: NOPE", statusCode: 400))])
        #expect(state.handle(.stopWorkerRequest(workerID: "w9"), from: "c") ==
            [Envelope(to: "c", .stopWorkerRequestFailure(reason: "unknown worker id: w9", statusCode: 400))])
        #expect(state.handle(.stopWorkerRequest(workerID: "w1"), from: "c") ==
            [Envelope(to: "w1", .shutdown), Envelope(to: "c", .stopWorkerRequestSuccess)])
        #expect(state.workerIDs.isEmpty)
    }

    @Test func countsFollowTheWorkersReports() throws {
        var state = MasterState(graph: try chainGraph())
        _ = state.handle(.ready, from: "w1")
        _ = state.handle(.startNodeRequest(type: "B"), from: "c")
        _ = state.handle(.startNodeRequest(type: "B"), from: "c")
        #expect(state.recipeInfo.first { $0.type == "B" }?.counts == RecipeInfo.Counts(running: 0, queued: 2))
        _ = state.handle(.startNodeSuccess(type: "B"), from: "w1")
        _ = state.handle(.startNodeFailure(type: "B", category: "recipe build", reason: "bad"), from: "w1")
        let b = try #require(state.recipeInfo.first { $0.type == "B" })
        #expect(b.counts == RecipeInfo.Counts(running: 1, queued: 0, completed: 0, failed: 1))
        #expect(b.lastFailure == "recipe build: bad")
        #expect(state.recipeInfo.map(\.type) == ["A", "B", "C"], "every recipe, started or not")
    }

    @Test func nodeMetricsAreSummedOverWorkersAndKeptWhenAWorkerGoes() throws {
        var state = MasterState(graph: try chainGraph())
        for worker in ["w1", "w2"] { _ = state.handle(.ready, from: worker) }
        _ = state.handle(.nodeMetrics([NodeMetrics(type: "B", processed: 5, failed: 1, batches: 2, batchSeconds: 0.5)]), from: "w1")
        _ = state.handle(.nodeMetrics([NodeMetrics(type: "B", processed: 1, batches: 1, batchSeconds: 0.25)]), from: "w2")
        // A later report replaces the earlier one: counts are cumulative per worker.
        _ = state.handle(.nodeMetrics([NodeMetrics(type: "B", processed: 7, failed: 1, batches: 3, batchSeconds: 1),
                                       NodeMetrics(type: "C", processed: 7, batches: 1, batchSeconds: 0.5)]), from: "w1")
        let expected = [NodeMetrics(type: "A"), NodeMetrics(type: "B", processed: 8, failed: 1, batches: 4, batchSeconds: 1.25),
                        NodeMetrics(type: "C", processed: 7, batches: 1, batchSeconds: 0.5)]
        #expect(state.nodeMetrics == expected)
        _ = state.handle(.stopWorkerRequest(workerID: "w1"), from: "client")
        #expect(state.nodeMetrics == expected, "a worker gone keeps its counts")
        guard case .jsonInfoResponse(let json) = state.handle(.metrics, from: "client").first?.message else {
            Issue.record("METRICS is answered with JSON-INFO-RESPONSE")
            return
        }
        #expect(try MMOPJSON.decode([NodeMetrics].self, from: Array(json.utf8)) == expected)
        #expect(state.handle(.nodeMetrics([]), from: "stranger").map(\.message) == [.reRegister])
    }

    @Test func completionCascadesDownThePipelineToEveryWorker() throws {
        var state = MasterState(graph: try chainGraph(instances: 2))
        for worker in ["w1", "w2"] { _ = state.handle(.ready, from: worker) }
        var placed: [String: [String]] = [:]
        for type in ["C", "B", "B", "A"] {
            let to = state.handle(.startNodeRequest(type: type), from: "c")[0].to
            placed[type, default: []].append(to)
            _ = state.handle(.startNodeSuccess(type: type), from: to)
        }
        #expect(state.handle(.workerTaskCompleted(type: "A"), from: placed["A"]![0]) ==
            [Envelope(to: "w1", .completeTask(type: "B")), Envelope(to: "w2", .completeTask(type: "B"))])
        #expect(state.handle(.workerTaskCompleted(type: "B"), from: placed["B"]![0]) == [], "one B still runs")
        #expect(state.handle(.workerTaskCompleted(type: "B"), from: placed["B"]![1]) ==
            [Envelope(to: "w1", .completeTask(type: "C")), Envelope(to: "w2", .completeTask(type: "C"))])
        #expect(state.handle(.workerTaskCompleted(type: "C"), from: placed["C"]![0]) == [])
        #expect(state.recipeInfo.allSatisfy { $0.counts.completed > 0 && $0.counts.running == 0 })
    }

    @Test func aStartRequestOnAnIdleMasterBeginsANewJob() throws {
        var state = MasterState(graph: try chainGraph())
        _ = state.handle(.ready, from: "w1")
        for type in ["C", "B", "A"] {
            _ = state.handle(.startNodeRequest(type: type), from: "c")
            _ = state.handle(.startNodeSuccess(type: type), from: "w1")
        }
        _ = state.handle(.startNodeRequest(type: "B"), from: "c")
        _ = state.handle(.startNodeFailure(type: "B", category: "recipe build", reason: "bad"), from: "w1")
        for type in ["A", "B", "C"] { _ = state.handle(.workerTaskCompleted(type: type), from: "w1") }
        #expect(state.recipeInfo.map(\.counts) == [.init(completed: 1), .init(completed: 1, failed: 1), .init(completed: 1)])

        #expect(state.handle(.startNodeRequest(type: "NOPE"), from: "c").map(\.message.command) == ["START-NODE-REQUEST-FAILURE"])
        #expect(state.recipeInfo.map(\.counts.completed) == [1, 1, 1], "a refused request begins no job")

        let second = state.handle(.startNodeRequest(type: "C"), from: "c")

        #expect(second.map(\.message.command) == ["START-NODE", "START-NODE-REQUEST-SUCCESS"],
                "no COMPLETE-TASK left over from the last job")
        #expect(state.recipeInfo.map(\.counts) == [.init(), .init(), .init(queued: 1)])
        #expect(state.recipeInfo.allSatisfy { $0.lastFailure == nil })
    }

    @Test func aNodeStartedAfterItsTypeWasToldToCompleteIsToldToo() throws {
        var state = MasterState(graph: try chainGraph())
        _ = state.handle(.ready, from: "w1")
        _ = state.handle(.completeTaskRequest(type: "B"), from: "c")
        let envelopes = state.handle(.startNodeRequest(type: "B"), from: "c")
        #expect(envelopes.map(\.message.command) == ["START-NODE", "COMPLETE-TASK", "START-NODE-REQUEST-SUCCESS"])
    }

    @Test func anUnknownWorkerIsToldToRegisterAgain() throws {
        var state = MasterState(graph: try chainGraph())
        #expect(state.handle(.heartbeat, from: "stranger") == [Envelope(to: "stranger", .reRegister)])
        #expect(state.handle(.workerTaskCompleted(type: "A"), from: "stranger") == [Envelope(to: "stranger", .reRegister)])
        #expect(state.recipeInfo.allSatisfy { $0.counts == .init() }, "a stranger's report changes no count")
        #expect(!state.accepts(.pong, from: "anyone"))
    }

    @Test func aReRegisteringWorkerReportsWhatItRuns() throws {
        var state = MasterState(graph: try chainGraph())
        _ = state.handle(.ready, from: "w1")
        _ = state.handle(.running(type: "B", count: 2), from: "w1")
        #expect(state.recipeInfo.first { $0.type == "B" }?.counts.running == 2)
        #expect(state.workerInfo == [WorkerInfo(workerID: "w1", nodes: [.init(recipeName: "B", nodeCount: 2)])])
    }

    @Test func aSilentWorkerExpiresAndItsNodesArePlacedOnTheOthers() throws {
        var state = MasterState(graph: try chainGraph(instances: 2))
        let start = ContinuousClock.now
        for worker in ["w1", "w2"] { _ = state.handle(.ready, from: worker, at: start) }
        for type in ["C", "B", "B", "A"] {
            let to = state.handle(.startNodeRequest(type: type), from: "c", at: start)[0].to
            _ = state.handle(.startNodeSuccess(type: type), from: to, at: start)
        }
        #expect(state.workerInfo.map(\.nodes.count) == [2, 2], "w1: C, B; w2: B, A")

        _ = state.handle(.heartbeat, from: "w2", at: start + .seconds(5))
        #expect(state.silentWorkers(since: start + .seconds(3)) == ["w1"])
        let envelopes = state.expireWorkers(silentSince: start + .seconds(3))

        #expect(state.workerIDs == ["w2"])
        #expect(envelopes.map(\.to) == ["w2", "w2"])
        #expect(envelopes.map(\.message.command) == ["START-NODE", "START-NODE"])
        #expect(Set(envelopes.compactMap { if case .startNode(let type, _) = $0.message { type } else { nil } }) == ["B", "C"])
        #expect(state.recipeInfo.map(\.counts.queued) == [0, 1, 1])
    }

    @Test func nodesOfALostWorkerWaitForTheNextWorkerWhenNoneIsLeft() throws {
        var state = MasterState(graph: try chainGraph())
        _ = state.handle(.ready, from: "w1")
        _ = state.handle(.startNodeRequest(type: "B"), from: "c")
        #expect(state.expireWorkers(silentSince: .now + .seconds(1)) == [], "nobody to place B on")
        let envelopes = state.handle(.ready, from: "w2")
        #expect(envelopes.map(\.message.command) == ["START-NODE"])
        #expect(envelopes.first?.to == "w2")
    }}
