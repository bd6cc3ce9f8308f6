"""Jobs: every paid engine call is a stored job, run by an asyncio runner.

    from aiuteur import jobs
    jobs.progress(store, project)            # JobCounts(queued=.., running=.., done=.., failed=.., cancelled=..)
    for counts in jobs.watch(store, project): print(counts)
    jobs.cancel_all(store, project)          # releases the reservations of what had not finished
    jobs.resume_project(store, project)      # after a crash: finish open jobs, re-poll operations, pay nothing
                                             # twice, and file the shot clips they made
    jobs.uncertain_starts(store, project)    # video starts that may already be bought (the provider got them,
                                             # the answer was lost): resume_project(..., uncertain="rebuy"|"skip")
    jobs.set_limits("veo", concurrency=2, rpm=10)

Stages do not queue jobs themselves: the gateway (`aiuteur.engines.gateway`) does, for every
engine that is not offline, after the budget gate (`aiuteur.costs.budgets`) admits the calls.
Local jobs — work this machine does itself, an export — are rows of the same table, listed,
counted and cancelled the same way, with their progress (`aiuteur.jobs.local`).
"""
from aiuteur.jobs.clock import Clock, FakeClock, SystemClock
from aiuteur.jobs.control import cancel, cancel_all, cancel_batch, cancel_jobs, progress, resume, watch
from aiuteur.jobs.errors import JobCancelled, JobFailed, RebuyConsentRequired, UncertainStart
from aiuteur.jobs.limits import ProviderLimits, RetryPolicy, limits_for, set_limits
from aiuteur.jobs.models import Job, JobCounts, JobStatus
from aiuteur.jobs.queue import JobSpec, enqueue
from aiuteur.jobs.recovery import ResumeReport, rebuy_uncertain, resume_project, skip_uncertain, uncertain_starts
from aiuteur.jobs.runner import JobResult, Runner, can_find, supports_operations
from aiuteur.jobs.service import default_runner, run, run_iter, using
from aiuteur.jobs.table import JobNotFound, get as get_job, list_jobs

__all__ = [
    "Clock", "FakeClock", "SystemClock",
    "cancel", "cancel_all", "cancel_batch", "cancel_jobs", "progress", "resume", "watch",
    "JobCancelled", "JobFailed", "RebuyConsentRequired", "UncertainStart", "ProviderLimits", "RetryPolicy", "limits_for", "set_limits",
    "Job", "JobCounts", "JobStatus", "JobSpec", "enqueue", "ResumeReport", "resume_project",
    "uncertain_starts", "rebuy_uncertain", "skip_uncertain", "JobResult", "Runner", "supports_operations", "can_find",
    "default_runner", "run", "run_iter", "using", "JobNotFound", "get_job", "list_jobs",
]
