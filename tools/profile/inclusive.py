#!/usr/bin/env python3
"""Inclusive shares of frames in `perf script -F ip,sym` output: the share of samples with a matching frame anywhere on
the stack. Usage: inclusive.py SCRIPT.txt [LABEL=REGEX ...] (default: the add request path's layers)."""
import re
import sys

DEFAULT = [
    ('grpc-dotnet unary call (handler and reply; gRPC)', r'UnaryServerCallHandler`3\+<HandleCallAsyncCore>'),
    ('· our Predict service', r'PredictService\+<Predict>'),
    ('· · request and reply conversion', r'PredictConversion::'),
    ('our MindSpore REST handler (REST)', r'RestRequestHandler'),
    ('· REST body parse and reply write', r'RestRequestParser|RestReplyWriter'),
    ('engine: Dispatcher.PredictAsync', r'Dispatcher\+<PredictAsync>'),
    ('· ServableExecutor.ExecuteAsync', r'ServableExecutor\+<ExecuteAsync>'),
    ('· · MethodRunner.RunAsync', r'MethodRunner\+<RunAsync>'),
    ('· · · ModelBatcher.TryRunInline (a run on the caller\'s thread)', r'ModelBatcher::TryRunInline'),
    ('· · · · OrtSession.Run (managed side)', r'OrtSession::Run'),
    ('our body-admission middleware and the call it wraps', r'GrpcBodyAdmission\+<AdmitAsync>'),
    ('reply serialization', r'SerializeReply'),
    ('protobuf parse', r'MergeFrom|ParseFrom'),
    ('OpenTelemetry (metrics)', r'OpenTelemetry'),
    ('Kestrel HTTP/2 connection loop', r'Http2Connection\+<ProcessRequestsAsync>'),
    ('Kestrel HTTP/2 frame writer', r'Http2FrameWriter\+<WriteToOutputPipe>'),
    ('socket send loop', r'SocketConnection\+<DoSend>'),
    ('socket receive loop', r'SocketConnection\+<DoReceive>'),
    ('thread pool dispatch', r'ThreadPoolWorkQueue::Dispatch'),
    ('sched_yield (spinning workers)', r'sched_yield'),
    ('clock reads', r'clock_gettime'),
]


def samples(path):
    stack = []
    with open(path, errors='replace') as f:
        for line in f:
            if not line.strip():
                if stack:
                    yield stack
                    stack = []
                continue
            parts = line.strip().split(' ', 1)
            stack.append(parts[1] if len(parts) > 1 else '?')
    if stack:
        yield stack


def main():
    rows = [tuple(a.split('=', 1)) for a in sys.argv[2:]] or DEFAULT
    compiled = [(label, re.compile(rx)) for label, rx in rows]
    counts = [0] * len(compiled)
    total = 0
    for stack in samples(sys.argv[1]):
        total += 1
        for i, (_, rx) in enumerate(compiled):
            if any(rx.search(frame) for frame in stack):
                counts[i] += 1
    print('| frame | share of CPU samples |')
    print('|---|---|')
    for (label, _), n in zip(compiled, counts):
        print(f'| {label} | {100 * n / max(total, 1):.1f} % |')
    print(f'\n{total} samples')


if __name__ == '__main__':
    main()
