"""`make bench` (issue 8): throughput and latency of both services, as ratios to ceilings
measured in the same run on the same machine.

    python -m devtools.bench                    # everything, about 3-4 minutes
    python -m devtools.bench --only a --databases postgresql --profile a

Modules: `ceilings` (raw RS256 on one core), `services` and `deployment` (the processes under
test and their databases), `app` and `launch` (the bench's own aiohttp app), `tokens` (distinct
valid tokens in bulk), `wrk` (the load driver), `runner` and `scenarios` (what is measured),
`targets` and `report` (ratios, issue 8's targets, the table), `noise` and `profile` (how busy
the machine was; py-spy while measuring).
"""
