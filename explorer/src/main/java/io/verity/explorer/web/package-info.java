/** The explorer's pages and their JSON twins: server-rendered HTML, escaped, under a strict Content-Security-Policy. */
package io.verity.explorer.web;
