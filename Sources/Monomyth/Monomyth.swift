// The module users import: the DSL and graph of MonomythCore, and the
// runtime of MonomythRuntime.
@_exported import MonomythCore
@_exported import MonomythRuntime
