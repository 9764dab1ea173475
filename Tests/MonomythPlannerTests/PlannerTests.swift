import MonomythCore
import MonomythMMOP
import MonomythPlanner
import Testing

/// A graph built by hand from `producer → consumers` edges, so that fan-in and
/// fan-out shapes the DSL does not build yet can be planned.
func graph(_ types: [String], edges: [String: [String]], instances: [String: Int] = [:]) -> PipelineGraph {
    let recipes = types.map { type in
        Recipe(
            type: type, kind: .stage, batchSize: 10, instances: instances[type] ?? 1, sourceQueue: "\(type)-in",
            destinationQueues: edges[type, default: []].map { "\(type)-to-\($0)" }, failQueue: "\(type)-fail",
            dependents: edges[type, default: []])
    }
    return PipelineGraph(name: "test", recipes: recipes, queues: [])
}

let chain = graph(
    ["LOAD-FILE", "MAP-TEXT", "STORE-COUNTS"], edges: ["LOAD-FILE": ["MAP-TEXT"], "MAP-TEXT": ["STORE-COUNTS"]],
    instances: ["MAP-TEXT": 3])

func workers(_ count: Int) -> [WorkerLoad] { (1...count).map { WorkerLoad(id: "w\($0)") } }

/// The plan as `worker:TYPE` pairs.
func placements(_ plan: [PlannedStart]) -> [String] { plan.map { "\($0.worker):\($0.recipe.type)" } }

@Suite struct PlannerOrderTests {
    @Test func aChainStartsFromItsLastNode() throws {
        let plan = try Planner.plan(chain, workers: workers(1))
        #expect(plan.map(\.recipe.type) == ["STORE-COUNTS", "MAP-TEXT", "MAP-TEXT", "MAP-TEXT", "LOAD-FILE"])
    }

    @Test func fanOutStartsEveryConsumerBeforeTheProducer() throws {
        // SPLIT feeds LEFT and RIGHT; LEFT feeds SINK.
        let fanOut = graph(["SPLIT", "LEFT", "RIGHT", "SINK"], edges: ["SPLIT": ["LEFT", "RIGHT"], "LEFT": ["SINK"]])
        let order = try Planner.plan(fanOut, workers: workers(1)).map(\.recipe.type)
        #expect(order == ["SINK", "RIGHT", "LEFT", "SPLIT"])
    }

    @Test func fanInStartsTheConsumerBeforeEveryProducer() throws {
        // A and B both feed JOIN; JOIN feeds OUT. OUT is listed before JOIN in
        // pipeline order, so only the edges can put it first.
        let fanIn = graph(["A", "OUT", "B", "JOIN"], edges: ["A": ["JOIN"], "B": ["JOIN"], "JOIN": ["OUT"]])
        let order = try Planner.plan(fanIn, workers: workers(1)).map(\.recipe.type)
        #expect(order == ["OUT", "JOIN", "B", "A"])
    }

    @Test func everyTypeComesAfterAllItsConsumersInADiamond() throws {
        let diamond = graph(
            ["SRC", "X", "Y", "Z", "SINK"],
            edges: ["SRC": ["X", "Y", "Z"], "X": ["SINK"], "Y": ["Z"], "Z": ["SINK"]])
        let order = try Planner.plan(diamond, workers: workers(2)).map(\.recipe.type)
        #expect(order == ["SINK", "Z", "Y", "X", "SRC"])
        for recipe in diamond.recipes {
            for dependent in recipe.dependents {
                #expect(order.firstIndex(of: dependent)! < order.firstIndex(of: recipe.type)!)
            }
        }
    }

    @Test func aCycleIsATypedError() {
        let loop = graph(["A", "B"], edges: ["A": ["B"], "B": ["A"]])
        #expect(throws: PlanError.cycle(["A", "B"])) { try Planner.plan(loop, workers: workers(1)) }
    }
}

@Suite struct PlannerPlacementTests {
    @Test func instancesOfATypeSpreadOverTheWorkers() throws {
        let plan = try Planner.plan(chain, workers: workers(3))
        // STORE-COUNTS on w1; MAP-TEXT first where none runs and the total is
        // lowest (w2, w3), then w1; LOAD-FILE on the least-loaded in all: w2.
        #expect(placements(plan) == [
            "w1:STORE-COUNTS", "w2:MAP-TEXT", "w3:MAP-TEXT", "w1:MAP-TEXT", "w2:LOAD-FILE",
        ])
    }

    @Test func theEarliestRegisteredWorkerBreaksTies() throws {
        let plan = try Planner.plan(chain, workers: [WorkerLoad(id: "zeta"), WorkerLoad(id: "alpha")])
        #expect(placements(plan) == [
            "zeta:STORE-COUNTS", "alpha:MAP-TEXT", "zeta:MAP-TEXT", "alpha:MAP-TEXT", "zeta:LOAD-FILE",
        ])
    }

    @Test func fewestOfTheTypeComesBeforeFewestInAll() throws {
        // w1 runs 5 nodes of other types but no MAP-TEXT; w2 runs one MAP-TEXT.
        let busy = [WorkerLoad(id: "w1", nodes: ["OTHER": 5]), WorkerLoad(id: "w2", nodes: ["MAP-TEXT": 1])]
        let plan = try Planner.plan(chain, instances: ["MAP-TEXT": 2], workers: busy)
        #expect(placements(plan) == ["w2:STORE-COUNTS", "w1:MAP-TEXT", "w2:LOAD-FILE"])
    }

    @Test func instanceCountsOverrideTheRecipesAndTravelInTheRecipe() throws {
        let plan = try Planner.plan(chain, instances: ["MAP-TEXT": 1, "STORE-COUNTS": 2], workers: workers(2))
        #expect(plan.map(\.recipe.type) == ["STORE-COUNTS", "STORE-COUNTS", "MAP-TEXT", "LOAD-FILE"])
        #expect(plan.map(\.recipe.instances) == [2, 2, 1, 1])
        var expected = chain.recipe(type: "MAP-TEXT")!
        expected.instances = 1
        #expect(plan[2].message == .startNode(type: "MAP-TEXT", recipe: MMOPJSON.recipeBytes(expected)))
    }

    @Test func thePlanIsDeterministic() throws {
        let snapshot = [WorkerLoad(id: "b", nodes: ["MAP-TEXT": 1, "LOAD-FILE": 1]), WorkerLoad(id: "a")]
        let first = try Planner.plan(chain, instances: ["MAP-TEXT": 7], workers: snapshot)
        for _ in 1...20 {
            #expect(try Planner.plan(chain, instances: ["MAP-TEXT": 7], workers: snapshot) == first)
        }
    }
}

@Suite struct PlannerSnapshotTests {
    @Test func onlyMissingInstancesArePlanned() throws {
        // After a worker died: w1 still runs STORE-COUNTS and one MAP-TEXT;
        // the others are gone.
        let survivors = [WorkerLoad(id: "w1", nodes: ["STORE-COUNTS": 1, "MAP-TEXT": 1]), WorkerLoad(id: "w3")]
        let plan = try Planner.plan(chain, workers: survivors)
        #expect(placements(plan) == ["w3:MAP-TEXT", "w3:MAP-TEXT", "w1:LOAD-FILE"])
    }

    @Test func aCompleteSnapshotNeedsNothing() throws {
        let full = [WorkerLoad(id: "w1", nodes: ["STORE-COUNTS": 1, "MAP-TEXT": 3, "LOAD-FILE": 1])]
        #expect(try Planner.plan(chain, workers: full).isEmpty)
    }

    @Test func moreThanDesiredIsLeftAlone() throws {
        let crowded = [WorkerLoad(id: "w1", nodes: ["MAP-TEXT": 5])]
        #expect(placements(try Planner.plan(chain, workers: crowded)) == ["w1:STORE-COUNTS", "w1:LOAD-FILE"])
    }

    @Test func workerInfoBecomesALoad() {
        let info = WorkerInfo(workerID: "w9", nodes: [.init(recipeName: "MAP-TEXT", nodeCount: 2)])
        #expect(WorkerLoad(info) == WorkerLoad(id: "w9", nodes: ["MAP-TEXT": 2]))
    }
}

@Suite struct PlannerErrorTests {
    @Test func noWorkersIsATypedError() {
        #expect(throws: PlanError.noWorkers) { try Planner.plan(chain, workers: []) }
        #expect(PlanError.noWorkers.description == "no worker to place nodes on: start a worker first")
    }

    @Test func anUnknownTypeNamesTheKnownOnes() {
        #expect(throws: PlanError.unknownNodeType("MAP", known: ["LOAD-FILE", "MAP-TEXT", "STORE-COUNTS"])) {
            try Planner.plan(chain, instances: ["MAP": 2], workers: workers(1))
        }
    }

    @Test func anInstanceCountBelowOneIsRefused() {
        #expect(throws: PlanError.invalidInstanceCount(type: "MAP-TEXT", count: 0)) {
            try Planner.plan(chain, instances: ["MAP-TEXT": 0], workers: workers(1))
        }
    }
}
