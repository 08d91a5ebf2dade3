package io.edgesync.agent;

import io.edgesync.agent.config.ConfigException;

import java.nio.file.Path;

/**
 * The command line: {@code [--config FILE] [--rebuild-ledger] | --demo | hash-password}.
 *
 * @param rebuildLedger the ledger was lost: start a new one with every file in the spool owed again
 */
record Arguments(Path config, boolean demo, boolean hashPassword, boolean rebuildLedger) {
    static final Path DEFAULT_CONFIG = Path.of("config/edgesync.yaml");
    private static final String USAGE = "usage: java -jar edgesync-agent.jar [--config FILE] [--rebuild-ledger]"
            + " | --demo | hash-password";

    static Arguments parse(String[] args) {
        Path config = DEFAULT_CONFIG;
        boolean demo = false;
        boolean hashPassword = false;
        boolean rebuildLedger = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "hash-password" -> hashPassword = true;
                case "--config", "-c" -> {
                    if (i + 1 >= args.length) {
                        throw ConfigException.of("--config", null, "give the YAML file after --config; " + USAGE);
                    }
                    config = Path.of(args[++i]);
                }
                case "--demo" -> demo = true;
                case "--rebuild-ledger" -> rebuildLedger = true;
                default -> throw ConfigException.of("argument", args[i], USAGE);
            }
        }
        return new Arguments(config, demo, hashPassword, rebuildLedger);
    }
}
