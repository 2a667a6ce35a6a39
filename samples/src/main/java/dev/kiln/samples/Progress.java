package dev.kiln.samples;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars on long loops (me.tongfei:progressbar), shown only when the output is a terminal. */
public interface Progress {
    /** One bar. */
    interface Bar extends AutoCloseable {
        void step();

        @Override
        void close();
    }

    Bar start(String task, long steps);

    /** No bars (output redirected, or tests). */
    Progress NONE = (task, steps) -> new Bar() {
        @Override
        public void step() {
        }

        @Override
        public void close() {
        }
    };

    /** Bars on the terminal when there is one ({@code System.console()}), else none. */
    static Progress forTerminal(String name) {
        if (System.console() == null || !System.console().isTerminal()) {
            return NONE;
        }
        return (task, steps) -> {
            ProgressBar bar = new ProgressBarBuilder().setTaskName(name + " " + task).setInitialMax(steps)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(100).clearDisplayOnFinish().build();
            return new Bar() {
                @Override
                public void step() {
                    bar.step();
                }

                @Override
                public void close() {
                    bar.close();
                }
            };
        };
    }
}
