import MonomythCore
import Testing

@Suite struct PipelineValidationTests {
    @Test func reportsEveryProblemAtOnceInSentences() {
        let pipeline = Pipeline("broken") {
            Source("load file", batchSize: 0, items: [1])
            Stage("double", batchSize: 10) { (number: Int) in number * 2 }.instances(0)
            Stage("double", batchSize: 10) { (number: Int) in number * 2 }
            Sink("Store", batchSize: 1) { (_: Int) in }
        }
        #expect(throws: PipelineValidationError(pipeline: "broken", problems: [
            "Node name \"load file\" is not valid: use lower-case letters, digits and hyphens, starting with a letter (e.g. \"map-text\").",
            "Node \"load file\" has batch size 0; a batch size must be at least 1.",
            "Node \"double\" has 0 instances; it needs at least 1.",
            "Node name \"Store\" is not valid: use lower-case letters, digits and hyphens, starting with a letter (e.g. \"map-text\").",
            "Node name \"double\" is used by 2 nodes; each node needs its own name.",
        ])) {
            try pipeline.graph()
        }
    }

    @Test func emptyPipelineIsExplained() {
        #expect(throws: PipelineValidationError(pipeline: "nothing", problems: [
            "The pipeline has no nodes; add at least one Source, Stage or Sink."
        ])) {
            try Pipeline("nothing") {}.graph()
        }
    }

    @Test func externalQueuesMustFitTheEnds() {
        let pipeline = Pipeline("odd", startQueue: "in", endQueue: "out") {
            Source("numbers", items: [1])
            Sink("print") { (_: Int) in }
        }
        #expect(throws: PipelineValidationError(pipeline: "odd", problems: [
            "A start queue is set, but the first node \"numbers\" is a source, which pulls nothing.",
            "An end queue is set, but the last node \"print\" is a sink, which places nothing.",
        ])) {
            try pipeline.graph()
        }
    }

    @Test func externalQueueNamesMustNotClash() {
        let pipeline = Pipeline("clash", startQueue: "same", endQueue: "same") {
            Stage("echo") { (text: String) in text }
        }
        #expect(throws: PipelineValidationError(pipeline: "clash", problems: [
            "The start and end queues are both \"same\"; the pipeline would read its own output."
        ])) {
            try pipeline.graph()
        }
        let failClash = Pipeline("fail-clash", endQueue: "ECHO-fail") {
            Stage("echo") { (text: String) in text }
        }
        #expect(throws: PipelineValidationError(pipeline: "fail-clash", problems: [
            "The end queue \"ECHO-fail\" is also a node's fail queue; choose another name."
        ])) {
            try failClash.graph()
        }
    }

    @Test func validationErrorPrintsAsAList() {
        let error = PipelineValidationError(pipeline: "p", problems: ["First.", "Second."])
        #expect(error.description == "Pipeline \"p\" is not valid:\n- First.\n- Second.")
    }
}
