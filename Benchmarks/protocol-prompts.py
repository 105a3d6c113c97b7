#!/usr/bin/env python3
"""What does each rule of a protocol prompt on, judged against the simulator's virtual readers?

Replays every session of a simulated cohort (`lgeqa simulate cohort`, its truth.csv) under each
protocol given, as `lgeqa replay SESSION... --protocol P --format jsonl` does, and counts per rule
the prompts it gave and how many fell on an acquisition (one breath-hold: its PSIR and magnitude
images) that the virtual readers were unsure about (some image low certainty) or that really
ghosted (truth cause `ghosting`). Also counts the arrhythmic acquisitions (R-R range >= 150 ms, the
default protocol's threshold). Standard library only. SYNTHETIC data: the figures describe the
simulator, its readers and the model, not patients.

usage: protocol-prompts.py LGEQA COHORT_DIR PROTOCOL... [--virtual-readers]
       e.g. protocol-prompts.py .build/release/lgeqa /tmp/int913 default /tmp/variant.yaml
With --virtual-readers the virtual readers' odds assess each image instead of the model
(`lgeqa replay --assessor virtual-readers`): what the protocols would do with a classifier as good
as the readers allow.
"""
import csv
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict


def acquisitions(cohort):
    """Per session, its acquisitions in acquisition order (truth.csv lists images in that order)."""
    sessions = defaultdict(list)
    for row in csv.DictReader(open(os.path.join(cohort, 'truth.csv'))):
        groups = sessions[row['session']]
        key = (row['target'], row['instance_number'])
        # A breath-hold's PSIR and magnitude images are adjacent rows with the same position.
        if not (groups and groups[-1]['key'] == key and row['reconstruction'] not in groups[-1]['reconstructions']):
            groups.append({'key': key, 'reconstructions': set(), 'unsure': False, 'causes': set()})
        group = groups[-1]
        group['reconstructions'].add(row['reconstruction'])
        group['unsure'] |= row['low_certainty'] == '1'
        group['causes'] |= set(filter(None, row['causes'].split(';')))
    return sessions


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    readers = '--virtual-readers' in argv
    argv = [a for a in argv if a != '--virtual-readers']
    if len(argv) < 4:
        sys.exit(__doc__)
    lgeqa, cohort, protocols = argv[1], argv[2], argv[3:]
    assessor = ['--assessor', 'virtual-readers'] if readers else []
    truth = acquisitions(cohort)
    names = sorted(truth)
    for protocol in protocols:
        replay = subprocess.run(
            [lgeqa, 'replay', '--format', 'jsonl', '--protocol', protocol] + assessor + [os.path.join(cohort, n) for n in names],
            capture_output=True, text=True)
        if replay.returncode not in (0, 1):
            sys.exit(f'{protocol}: lgeqa replay failed ({replay.returncode}): {replay.stderr.strip()}')
        counts, arrhythmic, arrhythmic_unsure, exams = Counter(), 0, 0, 0
        session, arrived = None, {}
        for line in replay.stdout.splitlines():
            event = json.loads(line)
            kind = event['event']
            if kind == 'session_started':
                session, arrived, exams = truth[event['name']], {}, exams + 1
            elif kind == 'slice_arrived':
                group = session[len(arrived)]
                if group['key'][0] != event['target']:
                    sys.exit(f"{protocol}: arrival {event['target']} does not line up with truth.csv's {group['key'][0]}")
                arrived[event['slice']] = group
                low, high = event.get('rr_range_ms') or (0, 0)
                if high - low >= 150:
                    arrhythmic += 1
                    arrhythmic_unsure += group['unsure']
            elif kind == 'recommendation':
                group = arrived[event['slice']]
                counts[event['rule'], 'prompts'] += 1
                counts[event['rule'], 'unsure'] += group['unsure']
                counts[event['rule'], 'ghosted'] += 'ghosting' in group['causes']
        print(f'{protocol}: {exams} exams; {arrhythmic} arrhythmic acquisitions, '
              f'the readers unsure on {arrhythmic_unsure}')
        print(f"  {'rule':24} {'prompts':>8} {'readers unsure':>15} {'ghosted':>8}")
        for rule in sorted({rule for rule, _ in counts}):
            print(f"  {rule:24} {counts[rule, 'prompts']:8} {counts[rule, 'unsure']:15} {counts[rule, 'ghosted']:8}")
        total = sum(v for (_, what), v in counts.items() if what == 'prompts')
        unsure = sum(v for (_, what), v in counts.items() if what == 'unsure')
        print(f"  {'all':24} {total:8} {unsure:15}")


if __name__ == '__main__':
    main(sys.argv)
