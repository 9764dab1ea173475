import MonomythCore
import Testing

@Suite struct CompletionCascadeTests {
    @Test func completionFlowsDownTheChainOnceEveryInstanceCompleted() throws {
        var cascade = CompletionCascade(graph: try wordCountShape().graph())
        for type in ["STORE-COUNTS", "MAP-TEXT", "MAP-TEXT", "LOAD-FILE"] { cascade.nodeStarted(type: type) }

        #expect(cascade.nodeCompleted(type: "LOAD-FILE") == ["MAP-TEXT"])
        #expect(cascade.nodeCompleted(type: "MAP-TEXT") == [], "one map-text instance is still running")
        #expect(!cascade.isDone)
        #expect(cascade.nodeCompleted(type: "MAP-TEXT") == ["STORE-COUNTS"])
        #expect(cascade.completing == ["MAP-TEXT", "STORE-COUNTS"])
        #expect(cascade.nodeCompleted(type: "STORE-COUNTS") == [])
        #expect(cascade.isDone)
    }

    @Test func aStoppedInstanceNoLongerHoldsCompletionBack() throws {
        var cascade = CompletionCascade(graph: try wordCountShape().graph())
        for type in ["STORE-COUNTS", "MAP-TEXT", "MAP-TEXT", "LOAD-FILE"] { cascade.nodeStarted(type: type) }
        _ = cascade.nodeCompleted(type: "LOAD-FILE")
        cascade.nodeStopped(type: "MAP-TEXT")
        #expect(cascade.nodeCompleted(type: "MAP-TEXT") == ["STORE-COUNTS"])
    }

    @Test func aQueueWithTwoProducersCompletesAfterBoth() {
        let recipes = [
            Recipe(type: "A", kind: .source, batchSize: 1, instances: 1, sourceQueue: nil,
                   destinationQueues: ["TO-C"], failQueue: "A-fail", dependents: ["C"]),
            Recipe(type: "B", kind: .source, batchSize: 1, instances: 1, sourceQueue: nil,
                   destinationQueues: ["TO-C"], failQueue: "B-fail", dependents: ["C"]),
            Recipe(type: "C", kind: .sink, batchSize: 1, instances: 1, sourceQueue: "TO-C",
                   destinationQueues: [], failQueue: "C-fail", dependents: []),
        ]
        let queues = [QueueInfo(name: "TO-C", role: .link, producers: ["A", "B"], consumers: ["C"])]
        var cascade = CompletionCascade(graph: PipelineGraph(name: "fan-in", recipes: recipes, queues: queues))
        for type in ["C", "A", "B"] { cascade.nodeStarted(type: type) }

        #expect(cascade.nodeCompleted(type: "A") == [], "B still places on C's queue")
        #expect(cascade.nodeCompleted(type: "B") == ["C"])
    }

    @Test func typesFedFromOutsideCompleteOnlyWhenAsked() throws {
        var cascade = CompletionCascade(graph: try Pipeline("open") {
            Stage("echo") { (text: String) in text }
        }.graph())
        cascade.nodeStarted(type: "ECHO")
        #expect(cascade.requestCompletion(of: "ECHO") == ["ECHO"])
        #expect(cascade.requestCompletion(of: "ECHO") == [], "asked once only")
        #expect(!cascade.isDone)
        _ = cascade.nodeCompleted(type: "ECHO")
        #expect(cascade.isDone)
    }
}
