"""Data parallelism on the CPU: a batch cut into slices of rows, the slices
computed side by side in processes.

A NumPy call runs on one core, and one recurrent step is too small to share
between threads: two Python threads on one batch ran no faster than one here,
because their many small calls queue for the interpreter lock. Processes do
not share that lock.

Each batch is cut into `slices` interleaved slices of rows (slice k takes
rows k, k + slices, ...), so every slice stays sorted longest first and gets
its share of long and short reviews. Each slice's loss and gradients are its
share of the batch mean (`model.loss_and_grads(batch_rows=...)`), and the
batch's are their sum, always in slice order. Slice 0 runs in this process;
the others run in forked worker processes, which read the parameters from
shared memory (the optimiser updates them in place) and write their
gradients to shared memory. With fewer processes than slices, this process
computes the remaining slices itself. The cut depends only on `slices`, so
the model is the same, bit for bit, whatever number of processes ran it.
"""

import mmap
import multiprocessing
import signal
import sys
import traceback

import numpy as np
from threadpoolctl import threadpool_limits

from . import model as M
from . import subnormal


def shared_array(array):
    """A copy of `array` in memory that forked processes share with this one."""
    array = np.asarray(array)
    buffer = mmap.mmap(-1, max(array.nbytes, 1))  # anonymous and shared
    out = np.frombuffer(buffer, dtype=array.dtype, count=array.size)
    out = out.reshape(array.shape)
    out[...] = array
    return out


def can_fork():
    """Worker processes are forked, which is safe with NumPy on Linux only."""
    return sys.platform.startswith("linux")


class SlicedBatches:
    """Loss and gradients of whole batches, computed slice by slice.

    Use as a context manager: worker processes start on entry and stop on
    exit. `params` must be shared arrays (`shared_array`) for workers to see
    the optimiser's updates.
    """

    def __init__(self, params, spec, slices, processes, train_embeddings, flush):
        self.params, self.spec = params, spec
        self.slices = slices
        self.processes = min(processes, slices) if can_fork() else 1
        self.train_embeddings, self.flush = train_embeddings, flush
        self.workers = []  # (process, connection, gradient buffers)

    def __enter__(self):
        context = multiprocessing.get_context("fork")
        names = [k for k in self.spec.shapes() if k != "E" or self.train_embeddings]
        for _ in range(1, self.processes):
            buffers = {
                name: shared_array(np.zeros_like(self.params[name])) for name in names
            }
            ours, theirs = context.Pipe()
            # the child gets copies of this process's ends of every pipe; it
            # closes them, so that its own pipe closes when this process dies
            ends = [ours, *(connection for _, connection, _ in self.workers)]
            process = context.Process(
                target=self._serve, args=(theirs, buffers, ends), daemon=True
            )
            process.start()
            theirs.close()
            self.workers.append((process, ours, buffers))
        return self

    def __exit__(self, *exc):
        for _, connection, _ in self.workers:
            try:
                connection.send(None)
            except OSError:
                pass  # already gone
            connection.close()
        for process, _, _ in self.workers:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
        self.workers = []

    def _part(self, k, ids, lengths, labels, dropout):
        s = self.slices
        return ids[k::s], lengths[k::s], labels[k::s], dropout and dropout.part(k)

    def _serve(self, connection, buffers, parent_ends):
        """A worker's loop: one slice in, its loss out, gradients in `buffers`.

        Ctrl-C is left to the parent, which stops the workers; a worker whose
        parent is gone, even killed, sees its pipe close and returns.
        """
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for end in parent_ends:
            end.close()
        with threadpool_limits(1), subnormal.flushed(self.flush):
            while True:
                try:
                    job = connection.recv()
                except EOFError:
                    return
                if job is None:
                    return
                try:
                    loss, grads = self._compute(*job)
                    for name, g in grads.items():
                        buffers[name][...] = g
                    reply = ("ok", loss)
                except BaseException:
                    reply = ("error", traceback.format_exc())
                try:
                    connection.send(reply)
                except OSError:
                    return  # the parent is gone

    def _compute(self, ids, lengths, labels, dropout, batch_rows):
        loss, grads = M.loss_and_grads(
            np,
            self.params,
            self.spec,
            ids,
            lengths,
            labels,
            self.train_embeddings,
            batch_rows,
            dropout,
        )
        return float(loss), grads

    def loss_and_grads(self, ids, lengths, labels, dropout=None):
        """(loss, gradients) of one sorted batch, as `model.loss_and_grads`;
        each slice draws its own dropout masks (`model.Dropout.part`)."""
        rows = len(lengths)
        parts = [k for k in range(self.slices) if k < rows]
        remote = parts[1 : len(self.workers) + 1]
        for k, (_, connection, _) in zip(remote, self.workers):
            connection.send((*self._part(k, ids, lengths, labels, dropout), rows))
        local = [k for k in parts if k not in remote]
        results = {
            k: self._compute(*self._part(k, ids, lengths, labels, dropout), rows)
            for k in local
        }
        for k, (_, connection, buffers) in zip(remote, self.workers):
            status, payload = connection.recv()
            if status != "ok":
                raise RuntimeError(f"a worker process failed:\n{payload}")
            results[k] = payload, buffers
        loss, grads = results[parts[0]]  # computed here: fresh arrays
        for k in parts[1:]:
            part_loss, part_grads = results[k]
            loss += part_loss
            for name, g in grads.items():
                g += part_grads[name]
        return loss, grads
