package io.brevosync.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.brevosync.Refusal;
import io.brevosync.db.Jdbc;

/**
 * The API's users and their personal tokens, in PostgreSQL. A token is shown once, when it is made; only its SHA-256
 * is stored. Tokens are checked against an index in memory (the check runs on the HTTP event loop, which must not
 * wait for the database), read again after every change here and by {@link #refresh()} for the changes of other nodes.
 */
public final class Users {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String NAME = "[A-Za-z0-9][A-Za-z0-9._@-]{0,63}";

    private final Jdbc db;
    private final String bootstrapHash;
    private volatile Map<String, Caller> byHash = Map.of();

    /** apiToken: the bootstrap admin token (API_TOKEN), never stored. */
    public Users(Jdbc db, String apiToken) throws SQLException {
        this.db = db;
        this.bootstrapHash = hash(apiToken);
        refresh();
    }

    /** The caller a bearer token stands for, or null. */
    public Caller authenticate(String token) {
        if (token == null || token.isEmpty()) {
            return null;
        }
        String hash = hash(token);
        // the hashes are compared, not the tokens: the time taken says nothing about the token
        return MessageDigest.isEqual(hash.getBytes(StandardCharsets.US_ASCII), bootstrapHash.getBytes(StandardCharsets.US_ASCII))
                ? new Caller(Caller.BOOTSTRAP, Role.ADMIN) : byHash.get(hash);
    }

    /** Reads the tokens in force again. */
    public void refresh() throws SQLException {
        Map<String, Caller> index = new HashMap<>();
        for (Map<String, Object> row : db.query("select t.hash, u.name, u.role from api_token t join api_user u on u.name = t.user_name where t.revoked_at is null")) {
            index.put((String) row.get("hash"), new Caller((String) row.get("name"), Role.of((String) row.get("role"))));
        }
        byHash = Map.copyOf(index);
    }

    /** A new user and its first token (the only time the token is shown). */
    public Map<String, Object> add(String name, String role, String by) throws SQLException {
        if (name == null || !name.matches(NAME)) {
            throw new Refusal.Invalid("a user name is 1-64 letters, digits, '.', '_', '@' or '-', got '" + name + "'");
        }
        if (name.equals(Caller.BOOTSTRAP)) {
            throw new Refusal.Invalid("'" + Caller.BOOTSTRAP + "' is the name of the bootstrap token (API_TOKEN)");
        }
        Role r = Role.of(role);
        if (db.update("insert into api_user (name, role, created_by) values (?, ?, ?) on conflict do nothing", name, r.code(), by) == 0) {
            throw new Refusal.Conflict("user '" + name + "' exists already; POST /api/users/" + name + "/tokens gives it another token");
        }
        Map<String, Object> answer = new LinkedHashMap<>(Map.of("name", name, "role", r.code()));
        answer.putAll(issueToken(name, by));
        return answer;
    }

    /** The users with their tokens in force (id and creation, never the secret). */
    public List<Map<String, Object>> list() throws SQLException {
        List<Map<String, Object>> users = db.query("select name, role, created_at, created_by from api_user order by name");
        for (Map<String, Object> user : users) {
            user.put("tokens", db.query("select id, created_at, created_by from api_token where user_name = ? and revoked_at is null order by id",
                    user.get("name")));
        }
        return users;
    }

    /** Another token for the user (to rotate: make one, move to it, revoke the old one). */
    public Map<String, Object> issueToken(String name, String by) throws SQLException {
        if (db.queryOne("select 1 from api_user where name = ?", name).isEmpty()) {
            throw new Refusal.NotFound("no user '" + name + "'");
        }
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String token = "bss_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        long id = db.number("insert into api_token (user_name, hash, created_by) values (?, ?, ?) returning id", name, hash(token), by);
        refresh();
        return Map.of("tokenId", id, "token", token, "note", "shown once: store it now, the server keeps only its hash");
    }

    /** The token stops working on this node at once, on the others within access.refresh-period. */
    public Map<String, Object> revoke(String name, long tokenId, String by) throws SQLException {
        if (db.update("update api_token set revoked_at = now(), revoked_by = ? where id = ? and user_name = ? and revoked_at is null", by, tokenId, name) == 0) {
            throw new Refusal.NotFound("user '" + name + "' has no token " + tokenId + " in force");
        }
        refresh();
        return Map.of("name", name, "tokenId", tokenId, "revoked", true);
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
