-- Supply networks, stored as their bundle tables. A network carries one label.
CREATE TABLE supply_networks (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    label_id    BIGINT NOT NULL REFERENCES labels(id),
    imported_at TEXT NOT NULL
);

CREATE TABLE supply_items (
    network_id TEXT NOT NULL REFERENCES supply_networks(id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('system', 'subsystem', 'component', 'material')),
    PRIMARY KEY (network_id, id)
);

CREATE TABLE supply_sites (
    network_id TEXT NOT NULL REFERENCES supply_networks(id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    supplier   TEXT NOT NULL,
    country    TEXT NOT NULL CHECK (char_length(country) = 3),
    PRIMARY KEY (network_id, id)
);

CREATE TABLE supply_bom (
    network_id  TEXT NOT NULL,
    parent      TEXT NOT NULL,
    child       TEXT NOT NULL,
    quantity    DOUBLE PRECISION NOT NULL CHECK (quantity > 0),
    value_share DOUBLE PRECISION,
    PRIMARY KEY (network_id, parent, child),
    FOREIGN KEY (network_id, parent) REFERENCES supply_items(network_id, id) ON DELETE CASCADE,
    FOREIGN KEY (network_id, child) REFERENCES supply_items(network_id, id) ON DELETE CASCADE
);

CREATE TABLE supply_sources (
    network_id     TEXT NOT NULL,
    item           TEXT NOT NULL,
    site           TEXT NOT NULL,
    share          DOUBLE PRECISION NOT NULL CHECK (share > 0 AND share <= 1),
    capacity       DOUBLE PRECISION,
    lead_time_days DOUBLE PRECISION,
    PRIMARY KEY (network_id, item, site),
    FOREIGN KEY (network_id, item) REFERENCES supply_items(network_id, id) ON DELETE CASCADE,
    FOREIGN KEY (network_id, site) REFERENCES supply_sites(network_id, id) ON DELETE CASCADE
);

CREATE TABLE supply_stock (
    network_id     TEXT NOT NULL,
    item           TEXT NOT NULL,
    days_of_supply DOUBLE PRECISION,
    per_day        DOUBLE PRECISION,
    PRIMARY KEY (network_id, item),
    FOREIGN KEY (network_id, item) REFERENCES supply_items(network_id, id) ON DELETE CASCADE
);
