/// The private php-fpm configuration: one pool, `pm = static` with 2
/// children (one per core of the reference machine), a unix socket.
///
/// APCu holds the page counter (PHP keeps nothing between requests);
/// `apc.enabled` and OPcache are set explicitly so the result does not depend
/// on the machine's php.ini.
struct PHPFPMConfiguration {
    let directory: String
    let socket: String
    /// php-fpm refuses root unless started with `-R` and given a user.
    let runAsRoot: Bool

    func render() -> String {
        """
        [global]
        pid = \(directory)/php-fpm.pid
        error_log = \(directory)/php-fpm.log
        daemonize = no

        [bench]
        \(runAsRoot ? "user = root\ngroup = root" : "")
        listen = \(socket)
        listen.mode = 0666
        pm = static
        pm.max_children = 2
        php_admin_value[apc.enabled] = 1
        php_admin_value[opcache.enable] = 1

        """
    }
}
