// The module users import: the DSL and graph, the runtime, the RabbitMQ data
// stream, MMOP, the planner, the master, the worker, the control client and
// the embedded runner.
@_exported import MonomythControl
@_exported import MonomythCore
@_exported import MonomythEmbedded
@_exported import MonomythMMOP
@_exported import MonomythMaster
@_exported import MonomythPlanner
@_exported import MonomythRabbitMQ
@_exported import MonomythRuntime
@_exported import MonomythWorker
@_exported import MonomythZeroMQ
