# --------------------------------------------------------------------------------------------
# Copyright (c) ssh-troubleshoot contributors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""The table view of a report (``--output table``): one row per check, then one row per
explained cause and per applied fix; in fleet mode one row per machine. JSON, YAML, TSV
and ``--query`` see the report document itself."""

from collections import OrderedDict


def _row(status, check, summary):
    return OrderedDict([('Status', status or ''), ('Check', check or ''), ('Summary', summary or '')])


def _machine_row(m):
    return OrderedDict([('Status', m.get('worstStatus') or ''), ('Machine', m.get('name') or ''),
                        ('ResourceGroup', m.get('resourceGroup') or ''),
                        ('Diagnosis', m.get('worstDiagnosis') or ''), ('Summary', m.get('summary') or '')])


def transform_report_table(result):
    if not isinstance(result, dict):
        return result
    fleet = result.get('fleet')
    if isinstance(fleet, dict):
        return [_machine_row(m) for m in fleet.get('machines') or []]
    rows = [_row(f.get('status'), f.get('check'), f.get('summary')) for f in result.get('findings') or []]
    for cause in result.get('explained') or []:
        rows.append(_row('explained', cause.get('diagnosis'), cause.get('title')))
    for applied in result.get('applied') or []:
        rows.append(_row(applied.get('outcome'), applied.get('id'), applied.get('message')))
    return rows
