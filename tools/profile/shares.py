#!/usr/bin/env python3
"""Shares of a server's CPU by component, from a dotnet-trace sampled-thread-time profile converted to speedscope.

Usage: shares.py PROFILE.speedscope.json [--cpu-seconds S] [--leaves N]

Each thread's time is replayed from the profile's open/close events. A stretch whose stack ends in native code below a
wait (a pool worker parked in its semaphore, the socket event loop in epoll, timers, the finalizer) is idle and left
out; every other stretch is charged to the deepest frame that belongs to a component (so a metrics call made from the
engine counts as metrics, the engine's own frames as engine). The sampler cannot tell a thread blocked elsewhere in
native code from one running there, so the sampled running time can exceed the process's CPU time; with --cpu-seconds
(the server's CPU time during the sample, from /proc) each component's sampled time is also given as a share of that: an
upper bound for a component of managed code, whose samples are running or waiting for a core (never blocked).
"""
import argparse
import collections
import json
import re

WAIT = re.compile(
    r'WaitForSignal|WaitNative|Monitor\.Wait\(|WaitOneNoCheck|SocketAsyncEngine\.EventLoop|TimerQueue\.TimerThread|'
    r'Thread\.Sleep|GateThreadStart|Heartbeat\.TimerLoop|ConsoleLoggerProcessor|SemaphoreSlim\.WaitCore|WaitHandle\.Wait|'
    r'ManualResetEventSlim\.Wait|WaitForSocketEvents|LowLevelLifoSemaphore\.Wait|WorkerThread\.WorkerThreadStart\(\)$|'
    r'FinalizerThread|Thread\.StartCallback\(\)$')

COMPONENTS = [
    ('metrics', re.compile(r'^OpenTelemetry|!System\.Diagnostics\.Metrics\.|ExecutionTelemetry|ExecutionMetrics|RequestSeries|'
                           r'MethodSeries|PrometheusExporter')),
    ('thread pool: spinning for work', re.compile(r'LowLevelSpinWaiter|Thread\.SpinWait')),
    ('protobuf (messages, generated code)', re.compile(r'^Google\.Protobuf!|^SharpServing\.Protocol!')),
    ('grpc-dotnet', re.compile(r'^Grpc\.')),
    ('front ends (ours)', re.compile(r'^SharpServing\.Server!')),
    ('engine and SDK (ours)', re.compile(r'^SharpServing\.(Engine|Sdk)!')),
    ('ONNX Runtime and adapter', re.compile(r'^SharpServing\.OnnxRuntime!|^Microsoft\.ML\.OnnxRuntime')),
    ('Kestrel, ASP.NET Core', re.compile(r'^Microsoft\.AspNetCore|^Microsoft\.Extensions')),
    ('sockets, pipes', re.compile(r'^System\.Net\.|^System\.IO\.Pipelines!')),
    ('System.Text.Json', re.compile(r'^System\.Text\.Json!')),
    ('runtime: async, thread pool, GC, collections', re.compile(r'^System\.')),
]
PSEUDO = {'CPU_TIME', 'UNMANAGED_CODE_TIME', '?!?'}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('profile')
    parser.add_argument('--cpu-seconds', type=float)
    parser.add_argument('--leaves', type=int, default=0)
    args = parser.parse_args()
    with open(args.profile, encoding='utf-8') as f:
        profile = json.load(f)
    names = [frame['name'] for frame in profile['shared']['frames']]
    classified = [next((c for c, rx in COMPONENTS if rx.search(n)), None) if n not in PSEUDO else None for n in names]
    running = collections.Counter()
    leaves = collections.Counter()
    idle = 0.0
    for thread in profile['profiles']:
        stack, last = [], None
        for event in thread['events']:
            at = event['at']
            if stack and last is not None and at > last:
                span = at - last
                managed = [i for i in stack if names[i] not in PSEUDO and '!' in names[i]]
                nearest = names[managed[-1]] if managed else ''
                if names[stack[-1]] == 'UNMANAGED_CODE_TIME' and (not managed or WAIT.search(nearest)):
                    idle += span
                else:
                    component = next((classified[i] for i in reversed(managed) if classified[i]), 'other')
                    running[component] += span
                    leaves[(component, nearest)] += span
            if event['type'] == 'O':
                stack.append(event['frame'])
            else:
                stack.pop()
            last = at
    total = sum(running.values())
    print(f"sampled: {total / 1000:.2f} s running, {idle / 1000:.2f} s idle (thread time, all threads)")
    if args.cpu_seconds:
        print(f"server CPU time during the sample: {args.cpu_seconds:.2f} s")
    header = '| component | share of sampled running time |' + (' at most this share of server CPU |' if args.cpu_seconds else '')
    print(header)
    print('|---|---|' + ('---|' if args.cpu_seconds else ''))
    for component, ms in running.most_common():
        row = f"| {component} | {100 * ms / total:.2f} % |"
        if args.cpu_seconds:
            estimate = 100 * ms / 1000 / args.cpu_seconds
            row += f" {estimate:.2f} % |" if estimate <= 100 else " (over the CPU time: blocked time counted) |"
        print(row)
    for (component, frame), ms in leaves.most_common(args.leaves):
        print(f"  {100 * ms / total:6.2f} %  {component:24.24s}  {frame[:150]}")


if __name__ == '__main__':
    main()
