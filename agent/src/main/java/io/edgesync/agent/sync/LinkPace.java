package io.edgesync.agent.sync;

import io.edgesync.agent.sync.ftp.Pace;

import java.io.InterruptedIOException;

/**
 * A transfer's pace: its upstream's bandwidth limit, then the agent's, each shared with the other transfers
 * under it; and the bytes counted in the upstream's data budget, if it has one.
 */
final class LinkPace implements Pace {
    private final Throttle upstream;
    private final Throttle agent;
    private final DataBudget budget;

    LinkPace(Throttle upstream, Throttle agent, DataBudget budget) {
        this.upstream = upstream;
        this.agent = agent;
        this.budget = budget;
    }

    @Override
    public long take(long want) throws InterruptedIOException {
        long mine = upstream.rate();
        long all = agent.rate();
        long piece = Throttle.piece(Throttle.piece(want, mine), all);
        upstream.acquire(piece, mine);
        agent.acquire(piece, all);
        return piece;
    }

    @Override
    public void sent(long taken, long written) {
        if (taken > written) {
            upstream.giveBack(taken - written, upstream.rate());
            agent.giveBack(taken - written, agent.rate());
        }
        if (written > 0) {
            budget.sentData(written);
        }
    }
}
