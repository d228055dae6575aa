import Testing

/// Every suite of the client's tests, one test at a time: each starts a registry of its own, and the in-process
/// suites of the other modules start theirs in parallel on the same two cores.
@Suite(.serialized) enum RegistryClientSuites {}
