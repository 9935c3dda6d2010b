package org.orderevents.api;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The bearer token of the admin endpoints: {@code admin.token}, or when that is empty a random one made at first start
 * and kept in {@code <data.dir>/admin.token}, readable by its owner only. Its value is never logged.
 */
public class AdminToken {

    private static final Logger LOG = LoggerFactory.getLogger(AdminToken.class);
    private static final String FILE = "admin.token";
    private static final String BEARER = "Bearer ";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final byte[] token;

    private AdminToken(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    /** The configured token, or the one kept under the data directory, made there if missing. */
    public static AdminToken load(String configured, Path dataDir) throws IOException {
        if (configured != null && !configured.isBlank()) {
            LOG.info("Admin token: the admin.token property");
            return new AdminToken(configured.trim());
        }
        Path file = dataDir.resolve(FILE).toAbsolutePath();
        String token = Files.exists(file) ? read(file) : create(file);
        LOG.info("Admin token: kept in {}", file);
        return new AdminToken(token);
    }

    /** Route step: lets a request through only with {@code Authorization: Bearer <admin.token>}. */
    public void require(Exchange exchange) {
        Message message = exchange.getMessage();
        String authorization = message.getHeader("Authorization", String.class);
        // the token travels no further with the exchange, and never back in an answer
        message.removeHeader("Authorization");
        if (!accepts(authorization)) {
            throw new UnauthorizedException();
        }
    }

    /** True for the header value {@code Bearer <token>}; compared in constant time, so timing tells nothing of the token. */
    public boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] presented = authorization.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(presented, token);
    }

    private static String create(Path file) throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Files.createDirectories(file.getParent());
        // written in full under another name first, so no instance ever reads a half-written token
        Path fresh = Files.createTempFile(file.getParent(), FILE, ".new", ownerOnly(file));
        Files.writeString(fresh, token + "\n");
        try {
            Files.move(fresh, file);
            return token;
        } catch (FileAlreadyExistsException e) {
            // another instance sharing this data directory made it first
            Files.delete(fresh);
            return read(file);
        }
    }

    private static String read(Path file) throws IOException {
        if (posix(file) && !Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
            // a copied or hand-made file may be readable by others; the token must not be
            Files.setPosixFilePermissions(file, OWNER_ONLY);
            LOG.warn("{} was readable by others; it is now readable by its owner only", file);
        }
        String token = Files.readString(file).trim();
        if (token.isEmpty()) {
            throw new IllegalStateException(file + " is empty: delete it to have a new admin token made, or set admin.token");
        }
        return token;
    }

    private static FileAttribute<?>[] ownerOnly(Path file) {
        return posix(file) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)} : new FileAttribute<?>[0];
    }

    private static boolean posix(Path file) {
        return file.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
