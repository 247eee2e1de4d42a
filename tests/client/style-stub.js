/** Stylesheets mean nothing to jsdom: an import of one gets this empty module. */
module.exports = {};
