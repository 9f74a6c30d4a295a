// The tests of this assembly run helm, node and the server as processes; one at a time keeps them within their time
// limits on a busy machine (the other test assemblies still run beside them).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
