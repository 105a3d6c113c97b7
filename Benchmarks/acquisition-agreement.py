#!/usr/bin/env python3
"""Do the PSIR and magnitude images of one acquisition agree on its artifacts?

For a simulated cohort (its truth.csv) and `lgeqa classify COHORT --format jsonl` on it, counts per
acquisition (one breath-hold: its PSIR and magnitude images, replayed PSIR first) whether a rule of
the form "certainty low and CAUSE >= THRESHOLD" would prompt, judged three ways against the
simulator's truth (true = some image of the acquisition is low certainty with that cause):
- on each image alone (`causes.CAUSE`);
- on the lowest value over the images seen so far, as the engine read `acquisition.causes.CAUSE`
  before 2026-12-07, when it decided each image as it came;
- on the lowest value over all of the acquisition's images, as it reads it now that it decides an
  acquisition whole.
Standard library only. SYNTHETIC data: the figures describe the
simulator and the model, not patients.

usage: acquisition-agreement.py COHORT_DIR PREDICTIONS.jsonl [low=P] [CAUSE=THRESHOLD ...]
       (default: motion=0.5 ghosting=0.8, the default protocol's thresholds; low = p_low_certainty >= P,
       0.5 unless given: the default protocol's low band starts at 0.082 for model 0.3-1-cal)
"""
import csv
import json
import sys
from collections import defaultdict


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    cohort, predictions = argv[1], argv[2]
    pairs = [(a.split('=')[0], float(a.split('=')[1])) for a in argv[3:]]
    low_from = dict(pairs).get('low', 0.5)
    rules = [(name, value) for name, value in pairs if name != 'low'] or [('motion', 0.5), ('ghosting', 0.8)]
    truth = {row['sop_instance_uid']: row for row in csv.DictReader(open(f'{cohort}/truth.csv'))}
    acquisitions = defaultdict(list)
    for line in open(predictions):
        record = json.loads(line)
        if record.get('causes') is None or record.get('sop_instance_uid') not in truth:
            continue  # not assessed, or not part of this cohort
        row = truth[record['sop_instance_uid']]
        key = (row['session'], row['target'], row['action'], row['inversion_time'])
        acquisitions[key].append((0 if row['reconstruction'] == 'psir' else 1, record, row))
    for cause, threshold in rules:
        counts = {'causes': [0, 0], 'acquisition.causes (so far)': [0, 0], 'acquisition.causes (whole)': [0, 0]}
        with_cause = 0
        for images in acquisitions.values():
            images.sort(key=lambda item: item[0])
            true = any(cause in row['causes'].split(';') and row['low_certainty'] == '1' for _, _, row in images)
            with_cause += true
            lowest, fired = 1.0, set()
            whole = min(record['causes'][cause] for _, record, _ in images)
            for _, record, _ in images:
                p = record['causes'][cause]
                lowest = min(lowest, p)
                low = record['p_low_certainty'] >= low_from
                if low and p >= threshold:
                    fired.add('causes')
                if low and lowest >= threshold:
                    fired.add('acquisition.causes (so far)')
                if low and whole >= threshold:
                    fired.add('acquisition.causes (whole)')
            for name in fired:
                counts[name][0 if true else 1] += 1
        print(f'{cohort}: {cause} >= {threshold}, low from {low_from}: {len(acquisitions)} acquisitions, {with_cause} with the cause; '
              + '; '.join(f'{name}.{cause}: {tp} true, {fp} false prompts' for name, (tp, fp) in counts.items()))


if __name__ == '__main__':
    main(sys.argv)
