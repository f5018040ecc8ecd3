<?php
/*
 * Seeds a real WordPress from PHP (no HTTP forms): reads a JSON list of operations on stdin,
 * prints a JSON list of their results. Usage: php wp_seed.php <config-name> <host:port>
 * The config name picks /etc/wordpress/config-<name>.php (Debian's WORDPRESS_CONFIG).
 */
$_SERVER['WORDPRESS_CONFIG'] = $argv[1];
$_SERVER['HTTP_HOST'] = $argv[2];
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
define('WP_INSTALLING', true);  // install on first use without redirects to the installer
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
add_filter('pre_wp_mail', '__return_false');  // no sendmail here

function fc_reset($op) {
    global $wpdb, $wp_rewrite;
    if (!is_blog_installed()) {
        wp_install('Force blog', 'engagement', 'engagement@example.org', true, '', wp_generate_password(24));
    }
    foreach (['comments', 'commentmeta', 'posts', 'postmeta', 'term_relationships'] as $t) {
        $wpdb->query("TRUNCATE TABLE {$wpdb->$t}");
    }
    // wp_install() turns pretty permalinks on by itself if it can reach the server: pin them.
    $wp_rewrite->set_permalink_structure($op['permalinks']);
    $wp_rewrite->flush_rules(false);
    update_option('comment_previously_approved', 0);
    update_option('comment_moderation', 0);
    update_option('default_ping_status', 'open');
    wp_cache_flush();
    $user = get_user_by('login', 'engagement');
    WP_Application_Passwords::delete_all_application_passwords($user->ID);
    list($password) = WP_Application_Passwords::create_new_application_password(
        $user->ID, ['name' => 'front-counter']
    );
    return ['login' => 'engagement', 'password' => $password, 'user_id' => $user->ID,
            'version' => get_bloginfo('version'), 'home' => home_url('/')];
}

function fc_post($op) {
    $id = wp_insert_post(['post_title' => $op['title'], 'post_content' => $op['content'] ?? '<p>Post.</p>',
        'post_status' => 'publish', 'post_author' => 1,
        'comment_status' => $op['comment_status'] ?? 'open', 'ping_status' => 'open'], true);
    if (is_wp_error($id)) { throw new Exception($id->get_error_message()); }
    return $id;
}

function fc_comment($op) {
    $approved = ['approved' => 1, 'hold' => 0, 'spam' => 'spam', 'trash' => 'trash'][$op['status'] ?? 'approved'];
    $gmt = $op['date_gmt'] ?? gmdate('Y-m-d H:i:s', time() - 3600 + ($op['offset'] ?? 0));
    $id = wp_insert_comment([
        'comment_post_ID' => $op['post'], 'comment_parent' => $op['parent'] ?? 0,
        'comment_author' => $op['author'] ?? 'Member of the Public',
        'comment_author_email' => $op['email'] ?? '', 'comment_author_url' => $op['url'] ?? '',
        'comment_author_IP' => '192.0.2.1', 'comment_content' => $op['content'],
        'comment_type' => $op['type'] ?? 'comment', 'comment_approved' => $approved,
        'comment_date_gmt' => $gmt, 'comment_date' => get_date_from_gmt($gmt), 'user_id' => 0,
    ]);
    if (!$id) { throw new Exception('wp_insert_comment failed'); }
    return $id;
}

function fc_comments($op) {
    $out = [];
    foreach (get_comments(['status' => 'all', 'type' => 'all', 'orderby' => 'comment_ID', 'order' => 'ASC']) as $c) {
        $out[] = fc_view($c);
    }
    foreach (['spam', 'trash'] as $status) {
        foreach (get_comments(['status' => $status, 'type' => 'all']) as $c) { $out[] = fc_view($c); }
    }
    return $out;
}

function fc_view($c) {
    return ['id' => (int) $c->comment_ID, 'post' => (int) $c->comment_post_ID,
            'parent' => (int) $c->comment_parent, 'user_id' => (int) $c->user_id,
            'status' => wp_get_comment_status($c), 'type' => $c->comment_type,
            'content' => $c->comment_content];
}

$results = [];
foreach (json_decode(stream_get_contents(STDIN), true) as $op) {
    // "post_of"/"parent_of": the id an earlier operation of this run returned.
    if (isset($op['post_of'])) { $op['post'] = $results[$op['post_of']]; }
    if (isset($op['parent_of'])) { $op['parent'] = $results[$op['parent_of']]; }
    switch ($op['op']) {
        case 'reset': $results[] = fc_reset($op); break;
        case 'post': $results[] = fc_post($op); break;
        case 'comment': $results[] = fc_comment($op); break;
        case 'comments': $results[] = fc_comments($op); break;
        case 'trackback_url':  // get_trackback_url() only knows the post of the loop
            $results[] = get_option('permalink_structure')
                ? trailingslashit(get_permalink($op['post'])) . 'trackback/'
                : site_url('wp-trackback.php?p=' . $op['post']);
            break;
        case 'permalinks':
            $wp_rewrite->set_permalink_structure($op['permalinks']);
            $wp_rewrite->flush_rules(false);
            $results[] = true;
            break;
        case 'status': $results[] = wp_set_comment_status($op['id'], $op['status']); break;
        case 'edit': $results[] = wp_update_comment(['comment_ID' => $op['id'], 'comment_content' => $op['content']]); break;
        case 'delete': $results[] = wp_delete_comment($op['id'], true); break;
        default: throw new Exception('unknown op ' . $op['op']);
    }
}
echo json_encode($results);
