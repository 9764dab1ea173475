import Foundation
import MonomythCore
import Testing

@Suite struct PipelineGraphTests {
    @Test func chainCompilesToRecipesWithTheOriginalQueueNames() throws {
        let graph = try wordCountShape().graph()

        #expect(graph.recipes.map(\.type) == ["LOAD-FILE", "MAP-TEXT", "STORE-COUNTS"])
        let load = try #require(graph.recipe(type: "LOAD-FILE"))
        #expect(load.kind == .source)
        #expect(load.sourceQueue == nil)
        #expect(load.destinationQueues == ["LOAD-FILE-to-MAP-TEXT"])
        #expect(load.failQueue == "LOAD-FILE-fail")
        #expect(load.dependents == ["MAP-TEXT"])
        #expect(load.batchSize == 1)

        let map = try #require(graph.recipe(type: "MAP-TEXT"))
        #expect(map.sourceQueue == "LOAD-FILE-to-MAP-TEXT")
        #expect(map.destinationQueues == ["MAP-TEXT-to-STORE-COUNTS"])
        #expect(map.dependents == ["STORE-COUNTS"])
        #expect(map.instances == 2)

        let store = try #require(graph.recipe(type: "STORE-COUNTS"))
        #expect(store.destinationQueues.isEmpty)
        #expect(store.dependents.isEmpty)
        #expect(store.batchSize == 5)

        #expect(graph.queues.map(\.name) == [
            "LOAD-FILE-to-MAP-TEXT", "MAP-TEXT-to-STORE-COUNTS",
            "LOAD-FILE-fail", "MAP-TEXT-fail", "STORE-COUNTS-fail",
        ])
        #expect(graph.producers(of: "STORE-COUNTS") == ["MAP-TEXT"])
    }

    @Test func openEndsGetStartAndEndQueues() throws {
        let graph = try Pipeline("open") {
            Stage("parse") { (text: String) in Int(text) ?? 0 }
            Stage("double") { (number: Int) in number * 2 }
        }.graph()

        #expect(graph.recipe(type: "PARSE")?.sourceQueue == "START-to-PARSE")
        #expect(graph.recipe(type: "DOUBLE")?.destinationQueues == ["DOUBLE-to-END"])
        #expect(graph.queue(named: "START-to-PARSE")?.role == .start)
        #expect(graph.queue(named: "DOUBLE-to-END")?.role == .end)
        #expect(graph.queue(named: "DOUBLE-to-END")?.producers == ["DOUBLE"])
        #expect(graph.recipe(type: "DOUBLE")?.dependents == [])
        #expect(graph.producers(of: "PARSE").isEmpty)
    }

    @Test func namedExternalQueuesReplaceTheOpenEnds() throws {
        let graph = try Pipeline("ingest", startQueue: "raw-lines", endQueue: "clean-lines") {
            Stage("trim") { (text: String) in text.trimmingCharacters(in: .whitespaces) }
        }.graph()

        let trim = try #require(graph.recipe(type: "TRIM"))
        #expect(trim.sourceQueue == "raw-lines")
        #expect(trim.destinationQueues == ["clean-lines"])
    }

    @Test func graphRoundTripsThroughJSON() throws {
        let graph = try wordCountShape().graph()
        let decoded = try JSONDecoder().decode(PipelineGraph.self, from: Data(graph.json().utf8))
        #expect(decoded == graph)
        #expect(try graph.json().contains("\"source_queue\" : \"LOAD-FILE-to-MAP-TEXT\""))
    }

    @Test func dotAndMermaidDrawEveryQueue() throws {
        let graph = try wordCountShape().graph()
        let dot = graph.dot
        #expect(dot.hasPrefix("digraph \"word-count\" {"))
        #expect(dot.contains("\"LOAD-FILE\" -> \"MAP-TEXT\" [label=\"LOAD-FILE-to-MAP-TEXT\"];"))
        #expect(dot.contains("\"MAP-TEXT\" -> \"STORE-COUNTS\" [label=\"MAP-TEXT-to-STORE-COUNTS\"];"))
        #expect(dot.contains("\"MAP-TEXT\" -> \"MAP-TEXT-fail\" [style=dashed];"))
        #expect(dot.contains("MAP-TEXT\\nstage ×2"))

        let mermaid = graph.mermaid
        #expect(mermaid.hasPrefix("flowchart LR\n"))
        #expect(mermaid.contains("n0[\"LOAD-FILE (source ×1)\"]"))
        #expect(mermaid.contains("n0 -->|LOAD-FILE-to-MAP-TEXT| n1"))
        #expect(mermaid.contains("n1 -->|MAP-TEXT-to-STORE-COUNTS| n2"))
    }
}
