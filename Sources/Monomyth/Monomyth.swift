// The module users import: the DSL and graph of MonomythCore, the runtime of
// MonomythRuntime, and the RabbitMQ data stream of MonomythRabbitMQ.
@_exported import MonomythCore
@_exported import MonomythRabbitMQ
@_exported import MonomythRuntime
