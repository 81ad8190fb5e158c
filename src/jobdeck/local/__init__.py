"""The embedded ``local`` backend: a spool folder of jobs run by ``jobdeck run``.

Layout of a spool (``jobdeck.paths.spool_dir()`` by default)::

    <spool>/<job_id>/spec.json               what to run: name, argv, cwd, created, host
    <spool>/<job_id>/runs/<n>/events.jsonl   append-only status events of run n
    <spool>/<job_id>/runs/<n>/log            stdout and stderr of run n, merged, raw bytes
    <spool>/.archive/<job_id>/...            archived jobs, same layout

Modules: ``records`` (the file formats), ``spool`` (where the jobs are, and
the list of them) over ``layout`` (the names of files and folders),
``writing`` (atomic writes), ``reading`` (job folders read into the records of
``job_records``); ``spool_index`` (the list between polls: only what changed is
read again) over ``job_facts`` (what the list shows of a job, in plain values) and
``spool_cache`` (the finished jobs' facts kept in the user's cache folder from one
start to the next); ``procs`` (is a process still alive), ``logtail`` (where a
log's last lines begin), ``progress`` (what a job reports with ``::jobdeck``
lines), ``runner`` (``jobdeck run``) over ``supervisor`` (one run, start to
end), ``run_output`` (its events, log and progress) and ``signals``, and
``control`` (cancel, retry, archive, restore).

A run's log is read only if it is a regular file inside the spool, links
resolved (``jobdeck.files.open_inside``): a ``log`` that links to /etc/passwd is
refused with a sentence, never shown.
The adapter that shows a spool in the deck is ``jobdeck.adapters.local``.
"""
